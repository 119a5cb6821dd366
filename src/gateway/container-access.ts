/**
 * What each container may read, decided on the host:
 * - LiteLLM's image runs as a non-root user (upstream: `USER 65532:65532`, writable paths owned
 *   65532:0 with `chmod g=u`) and config.yaml stays mode 600, so LiteLLM runs as the file's owner
 *   with group 0 (`user: "UID:0"` in docker-compose.override.yml). When setup runs as root the
 *   container still never runs as root: it runs as 65532:0 and the file is handed to uid 65532
 *   (still 600; root reads anything). docs/architecture.md ("Containers and their users") says why.
 * - LiteLLM gets only the variables it reads: a fixed set plus every os.environ/NAME in config.yaml.
 */
import { join } from 'node:path';
import { isMap, isPair, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import type { Context } from '../core/context.js';
import { EnvError } from '../core/errors.js';
import { chown, stat } from 'node:fs/promises';
import { FILES } from './layout.js';

/** Upstream LiteLLM image's user: the container's uid when the host user is root (or has no uid). */
export const LITELLM_IMAGE_UID = 65532;

/** `user:` of the LiteLLM service: the host user's uid and group 0, never root. */
export function containerUser(hostUid: number | null): string {
  return `${litellmUid(hostUid)}:0`;
}

export function litellmUid(hostUid: number | null): number {
  return hostUid === null || hostUid === 0 ? LITELLM_IMAGE_UID : hostUid;
}

/** Variables the compose file hands LiteLLM whatever config.yaml says. */
export const LITELLM_FIXED_ENV: readonly string[] = ['LITELLM_MASTER_KEY', 'LITELLM_SALT_KEY', 'UI_USERNAME', 'UI_PASSWORD', 'DATABASE_URL', 'STORE_MODEL_IN_DB'];

const ENV_REF = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;

/** Every NAME a `os.environ/NAME` value in config.yaml names (values only: comments do not count), sorted. */
export function litellmEnvReferences(configYaml: string): string[] {
  const doc = parseDocument(configYaml);
  if (doc.errors.length > 0) return [];
  return envReferencesIn(doc);
}

/**
 * The same from a config.yaml document as setup builds it, before it becomes text (no second parse
 * on setup's start-up path). Values set in code are plain strings, parsed ones Scalars: both count.
 */
export function envReferencesIn(doc: Document): string[] {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    const value = isScalar(node) ? node.value : node;
    if (typeof value === 'string') {
      const match = ENV_REF.exec(value.trim());
      if (match) names.add(match[1] as string);
    } else if (isMap(node) || isSeq(node)) {
      for (const item of node.items) visit(item);
    } else if (isPair(node)) {
      visit(node.value);
    }
  };
  visit(doc.contents);
  return [...names].sort();
}

/** The uid docker-compose.override.yml runs LiteLLM as (null: not set, e.g. a file from an older version). */
export function overrideLitellmUid(overrideText: string): number | null {
  const match = /^\s+user:\s*"?(\d+):0"?\s*$/m.exec(overrideText);
  return match ? Number(match[1]) : null;
}

/**
 * Before `start`: can LiteLLM's user read config.yaml (mode 600)? As root, hand the file to that
 * uid (an editor or `sed -i` run as root leaves a new root-owned file behind); otherwise fail with
 * the fix, instead of LiteLLM failing to boot with "[Errno 13] Permission denied".
 */
export async function ensureLitellmCanReadConfig(ctx: Context, dir: string, currentUid: number | null = processUid()): Promise<void> {
  if (currentUid === null) return; // Windows: Docker Desktop's file sharing ignores Unix owners
  const override = await ctx.fs.readText(join(dir, FILES.override));
  const uid = override === null ? null : overrideLitellmUid(override);
  if (uid === null) {
    throw new EnvError('OVERRIDE_OUTDATED', `${join(dir, FILES.override)} does not say which user LiteLLM runs as (written by an older ai-gateway).`, {
      hint: `Run "ai-gateway setup --dir ${dir}" to render it again (settings and secrets are kept), then "ai-gateway start --dir ${dir}".`,
    });
  }
  if (uid === 0) return; // a hand-made `user: "0:0"` (rootless Docker: container root is the host user) reads anything
  const path = join(dir, FILES.config);
  let owner: number;
  try {
    owner = (await stat(path)).uid;
  } catch {
    return; // a missing config.yaml is reported by the checks that read it
  }
  if (owner === uid) return;
  if (currentUid === 0) {
    await chown(path, uid, -1);
    ctx.out.info(`Handed ${FILES.config} to uid ${uid} (LiteLLM's user; still mode 600).`);
    return;
  }
  throw new EnvError('CONFIG_NOT_READABLE', `LiteLLM runs as uid ${uid}, but ${path} (mode 600) belongs to uid ${owner}, so LiteLLM could not read it.`, {
    hint: `Run "ai-gateway setup --dir ${dir}" as the user who owns the gateway directory (it runs LiteLLM as that user), then "ai-gateway start --dir ${dir}".`,
    details: { file: path, owner, containerUid: uid },
  });
}

function processUid(): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null;
}

/** Variables config.yaml reads (os.environ/NAME) that docker-compose.override.yml does not hand LiteLLM. */
export function litellmEnvNotPassed(configYaml: string, overrideText: string): string[] {
  const passed = new Set(LITELLM_FIXED_ENV);
  const doc = parseDocument(overrideText);
  const environment = doc.getIn(['services', 'litellm', 'environment']);
  if (isMap(environment)) for (const pair of environment.items) if (isScalar(pair.key)) passed.add(String(pair.key.value));
  return litellmEnvReferences(configYaml).filter((name) => !passed.has(name));
}

/** `start`'s checks before `up`: LiteLLM can read config.yaml, and gets every variable it names. */
export async function checkLitellmAccess(ctx: Context, dir: string): Promise<void> {
  await ensureLitellmCanReadConfig(ctx, dir);
  const [config, override] = await Promise.all([ctx.fs.readText(join(dir, FILES.config)), ctx.fs.readText(join(dir, FILES.override))]);
  if (config === null || override === null) return;
  const missing = litellmEnvNotPassed(config, override);
  if (missing.length > 0) {
    ctx.out.warn(
      `${FILES.config} reads ${missing.map((n) => `os.environ/${n}`).join(', ')}, which LiteLLM is not given (each container gets only the variables it reads). ` +
        `Run "ai-gateway setup --dir ${dir}" to hand ${missing.length === 1 ? 'it' : 'them'} over from .env, then "ai-gateway start --dir ${dir}".`,
    );
  }
}
