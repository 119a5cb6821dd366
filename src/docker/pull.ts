/**
 * One image pull, by spawning `docker pull IMAGE` and reading its per-layer lines.
 *
 * Why the CLI and not the Engine API (POST /images/create, which streams bytes per layer):
 * `docker pull` is the user's own Docker, so it uses their credentials (~/.docker/config.json,
 * credential helpers such as Docker Desktop's `desktop` store, `docker-credential-ecr-login`),
 * their context (Docker Desktop's `desktop-linux`, rootless, Colima) and DOCKER_HOST over
 * ssh:// or TLS. Through the API we would have to re-implement each of those (X-Registry-Auth
 * from the credential-helper protocol, context resolution, TLS and ssh transports) — our own
 * layer where the CLI already is the tool. The price: without a TTY the CLI prints layer
 * states ("Pulling fs layer", "Download complete", "Pull complete"), not bytes, so progress is
 * counted in layers; the size comes from `docker image inspect` once the image is there.
 * Ctrl-C: the child is killed (SIGTERM), the CLI closes its connection and the daemon cancels the
 * pull; nothing is created because the pull runs before `compose up`.
 */
import type { Context } from '../core/context.js';
import { PullError, type AppError } from '../core/errors.js';
import { daemonError } from './engine.js';

export type LayerState = 'waiting' | 'downloaded' | 'done';

/** What one `docker pull` has reported so far. */
export class PullProgress {
  readonly layers = new Map<string, LayerState>();
  /** Layers the engine already had ("Already exists"). */
  readonly reused = new Set<string>();
  /** "Retrying in 5 seconds" and the like: the last hiccup, until the next layer moves. */
  retrying: string | null = null;
  finished = false;

  constructor(readonly image: string) {}

  /** Applies one output line of `docker pull`; true when something changed. */
  apply(line: string): boolean {
    const layer = /^([0-9a-f]{12}): (.+)$/.exec(line.trim());
    if (!layer) {
      if (/^Status: (Downloaded newer image|Image is up to date)/.test(line.trim())) this.finished = true;
      return this.finished;
    }
    const [, id = '', status = ''] = layer;
    const before = this.layers.get(id);
    let next: LayerState | undefined = before;
    if (/^Already exists/.test(status)) {
      this.reused.add(id);
      next = 'done';
    } else if (/^Pull complete/.test(status)) next = 'done';
    else if (/^(Download complete|Verifying Checksum|Extracting)/.test(status)) next = before === 'done' ? 'done' : 'downloaded';
    else if (/^(Pulling fs layer|Waiting|Downloading)/.test(status)) next = before ?? 'waiting';
    else if (/^Retrying in/i.test(status)) {
      this.retrying = status;
      return true;
    }
    if (next === undefined || next === before) return false;
    this.layers.set(id, next);
    this.retrying = null;
    return true;
  }

  count(state: LayerState): number {
    let n = 0;
    for (const value of this.layers.values()) if (value === state || (state === 'downloaded' && value === 'done')) n++;
    return n;
  }
}

export interface PullRun {
  ok: boolean;
  cancelled: boolean;
  /** The error that says why and what to do (when !ok and !cancelled). */
  error?: AppError;
}

/** Runs `docker pull IMAGE`, feeding every output line to `progress`. Never throws for a failed pull. */
export async function pullImage(ctx: Context, progress: PullProgress, options: { signal?: AbortSignal; onChange?: () => void } = {}): Promise<PullRun> {
  let pending = '';
  let stderr = '';
  const onStdout = (chunk: string) => {
    const lines = (pending + chunk).split(/\r?\n|\r/);
    pending = lines.pop() ?? '';
    let changed = false;
    for (const line of lines) if (progress.apply(line)) changed = true;
    if (changed) options.onChange?.();
  };
  const result = await ctx.docker.docker(['pull', progress.image], {
    onStdout,
    onStderr: (chunk) => {
      stderr += chunk;
    },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (pending && progress.apply(pending)) options.onChange?.();
  if (result.cancelled || options.signal?.aborted) return { ok: false, cancelled: true };
  if (result.exitCode === 0) {
    progress.finished = true;
    return { ok: true, cancelled: false };
  }
  return { ok: false, cancelled: false, error: pullFailure(ctx, progress.image, `${stderr}\n${result.stderr}`, result.exitCode) };
}

/** The registry an image reference pulls from, as `docker login` wants it (Docker Hub: null). */
export function registryOf(image: string): string | null {
  const slash = image.indexOf('/');
  if (slash < 0) return null;
  const first = image.slice(0, slash);
  if (first === 'localhost' || first.includes('.') || first.includes(':')) return first === 'docker.io' || first === 'index.docker.io' ? null : first;
  return null;
}

/** Turns a failed `docker pull` into the error naming the image, the cause and the next command. */
export function pullFailure(ctx: Context, image: string, stderr: string, exitCode: number): AppError {
  const text = stderr.trim();
  const cause = (text.split('\n').find((l) => /error|denied|unknown|not found|refused|no space|invalid/i.test(l)) ?? text.split('\n')[0] ?? '').trim().slice(0, 500);
  const registry = registryOf(image);
  const login = registry ? `docker login ${registry}` : 'docker login';
  const retry = `then run "ai-gateway start --dir ${ctx.dir}" again`;
  const details = { image, cause, exitCode };
  if (/Cannot connect to the Docker daemon|permission denied while trying to connect/i.test(text)) return daemonError(ctx, { stdout: '', stderr: text, exitCode });
  if (/no space left on device/i.test(text)) {
    return new PullError('IMAGE_PULL_NO_SPACE', `Pulling ${image} failed: the disk is full (no space left on device).`, {
      hint: `See what Docker uses with "docker system df" and free space (e.g. "docker image prune", "docker builder prune"), ${retry}.`,
      details,
    });
  }
  if (/toomanyrequests|rate limit/i.test(text)) {
    return new PullError('IMAGE_PULL_RATE_LIMITED', `Pulling ${image} failed: the registry's pull rate limit was reached (${cause}).`, {
      hint: `Log in to raise the limit ("${login}") or wait a while, ${retry}.`,
      details,
    });
  }
  if (/invalid reference format/i.test(text)) {
    return new PullError('IMAGE_NAME_INVALID', `"${image}" is not a valid image name (${cause}).`, {
      hint: `Fix the *_IMAGE value in ${ctx.dir}/.env (or run "ai-gateway setup --dir ${ctx.dir}"), ${retry}.`,
      details,
    });
  }
  if (/pull access denied|unauthorized|authentication required|denied:|no basic auth credentials|403 Forbidden|access to the resource is denied/i.test(text)) {
    return new PullError('IMAGE_ACCESS_DENIED', `Pulling ${image} was refused: the registry wants a login, or the repository does not exist (${cause}).`, {
      hint: `Log in ("${login}") and check the name with "docker pull ${image}", ${retry}.`,
      details,
    });
  }
  if (/manifest unknown|manifest for .* not found|not found: manifest|name unknown|repository .* not found|: not found/i.test(text)) {
    return new PullError('IMAGE_NOT_FOUND', `${image} does not exist in its registry (${cause}).`, {
      hint: `Check the tag (the *_IMAGE values in ${ctx.dir}/.env; "docker pull ${image}" shows the same answer), ${retry}.`,
      details,
    });
  }
  if (
    /dial tcp|no such host|connection refused|connection reset|i\/o timeout|TLS handshake timeout|network is unreachable|context deadline exceeded|Client\.Timeout|temporary failure in name resolution|unexpected EOF|server misbehaving|proxyconnect|certificate/i.test(
      text,
    )
  ) {
    return new PullError('IMAGE_PULL_NETWORK', `Pulling ${image} failed: the registry${registry ? ` ${registry}` : ''} could not be reached (${cause}).`, {
      hint: `Check the network, a proxy (HTTPS_PROXY for the Docker daemon) or the registry's address; "docker pull ${image}" retries by hand; ${retry}.`,
      details,
    });
  }
  return new PullError('IMAGE_PULL_FAILED', `Pulling ${image} failed (docker pull exit ${exitCode}): ${cause || 'no message'}.`, {
    hint: `Run "docker pull ${image}" to see the whole answer, ${retry}.`,
    details,
  });
}
