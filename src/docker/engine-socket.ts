/**
 * Read-only questions to the local Docker engine over its Unix socket: Docker's Engine API through
 * node:http, no child process. Used where a `docker` CLI run would be most of a command's start-up
 * (setup's look for an old project's volumes, ~15 ms of CPU for the CLI against ~1 ms here).
 *
 * Only when the engine the CLI would talk to is plainly a local socket: DOCKER_HOST unset or
 * `unix://`, no DOCKER_CONTEXT (or `default`), and no other current context in the CLI's config.
 * Contexts (Docker Desktop, rootless, Colima), ssh:// and tcp:// hosts, Windows pipes, and every
 * failure here (no socket, no permission, an old or odd answer) return null: the caller then asks
 * the docker CLI, which knows them all (docs/architecture.md, "Image pulls", says why the CLI stays
 * the way to the engine for everything else).
 */
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * The socket the docker CLI would use, or null when that is not a plain local socket. Synchronous
 * (one small file): the request then leaves at once and the engine answers while the caller works,
 * instead of after the caller's next pause (a promise chain waits for the event loop).
 */
export function localEngineSocket(env: NodeJS.ProcessEnv): string | null {
  if (process.platform === 'win32') return null; // named pipes: the CLI's job
  const host = env.DOCKER_HOST?.trim();
  if (host) return host.startsWith('unix://') ? host.slice('unix://'.length) || null : null;
  const context = env.DOCKER_CONTEXT?.trim();
  if (context) return context === 'default' ? DEFAULT_SOCKET : null;
  const configDir = env.DOCKER_CONFIG?.trim() || join(env.HOME?.trim() || homedir(), '.docker');
  let config: string;
  try {
    config = readFileSync(join(configDir, 'config.json'), 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? DEFAULT_SOCKET : null;
  }
  try {
    const current = (JSON.parse(config) as { currentContext?: unknown } | null)?.currentContext;
    return current === undefined || current === '' || current === 'default' ? DEFAULT_SOCKET : null;
  } catch {
    return null; // a config the CLI may read differently: let it decide
  }
}

/** GET `path` of the Engine API on `socket`: the parsed JSON of a 200 answer, else null (never throws). */
export function engineGet(socket: string, path: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve) => {
    // agent: false: one request, its connection closed after it (nothing keeps the process waiting).
    // servername: '': no TLS on a Unix socket, so Node need not work out a TLS server name from the
    // Host header (that test compiles Node's IPv6 address pattern: ~3.5 ms of setup's start-up).
    const options = { socketPath: socket, path, method: 'GET', headers: { host: 'docker' }, timeout: timeoutMs, agent: false, servername: '' };
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', () => resolve(null));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve(null);
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
        } catch {
          resolve(null);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(null));
    req.end();
  });
}
