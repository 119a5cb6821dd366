/**
 * Shared pieces of the reliability suite: the BUILT CLI run as a user runs it (real exit codes),
 * a fingerprint of a whole directory (content, mode and owner of every entry) to prove that a
 * failed command changed nothing, and tiny local HTTP servers that misbehave on purpose.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { execa } from 'execa';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'ai-gateway.js');

export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/ is missing: run "npm run build" first (npm test does it)');
}

/** The caller's environment without anything that would steer the CLI (AI_GATEWAY_*, LITELLM_*, DOCKER_*). */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(AI_GATEWAY_|LITELLM_|DOCKER_HOST|DOCKER_CONTEXT|GITHUB_ACTIONS)/.test(k)) continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries({ CI: '1', NO_COLOR: '1', ...extra })) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the child was killed by a signal. */
  signal: string | null;
}

export async function runCli(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  const result = await execa(process.execPath, [BIN, ...args], {
    reject: false,
    stdin: 'ignore',
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    extendEnv: false,
    timeout: options.timeoutMs ?? 120_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), signal: result.signal ?? null };
}

/** Every entry under `dir`: relative path, type, mode, owner and (for files) sha256 of the content. */
export async function fingerprintDir(dir: string): Promise<string[]> {
  const lines: string[] = [];
  const walk = async (current: string) => {
    const entries = await readdir(current).catch(() => [] as string[]);
    for (const name of entries.sort()) {
      const path = join(current, name);
      const s = await lstat(path);
      const rel = relative(dir, path);
      const head = `${rel} ${s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other'} ${(s.mode & 0o7777).toString(8)} ${s.uid}:${s.gid}`;
      if (s.isDirectory()) {
        lines.push(head);
        await walk(path);
      } else if (s.isFile()) {
        lines.push(`${head} ${createHash('sha256').update(await readFile(path)).digest('hex')}`);
      } else {
        lines.push(head);
      }
    }
  };
  await walk(dir);
  return lines;
}

export interface Misbehaving {
  url: string;
  port: number;
  hits: number;
  close(): Promise<void>;
}

/** An HTTP server answering every request the same way; `reset` destroys each connection unanswered. */
export async function misbehavingServer(behaviour: { status: number; body: string; contentType?: string } | 'reset'): Promise<Misbehaving> {
  const sockets = new Set<Socket>();
  const handle: Misbehaving = { url: '', port: 0, hits: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    handle.hits++;
    if (behaviour === 'reset') {
      req.socket.destroy();
      return;
    }
    res.writeHead(behaviour.status, { 'content-type': behaviour.contentType ?? 'application/json' });
    res.end(behaviour.body);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  handle.port = (server.address() as AddressInfo).port;
  handle.url = `http://127.0.0.1:${handle.port}`;
  handle.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return handle;
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A JSON document from stdout (the CLI prints exactly one with --json). */
export function jsonDoc(run: CliRun): Record<string, unknown> {
  try {
    return JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${run.exitCode}):\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
  }
}
