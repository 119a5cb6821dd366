#!/usr/bin/env node
// Make sure a Docker engine answers, starting `dockerd` ourselves when we are root and none runs
// (build machines have no systemd; test/testbed/README.md).
//
//   node test/testbed/engine.mjs     → prints {"ok":true,...} or {"ok":false,"reason":...}

import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const DOCKERD_LOG = '/var/log/dockerd.log';

/**
 * Run a command; never throws. Resolves {code, stdout, stderr}; code is null when it could not start.
 * @param {string} file
 * @param {string[]} args
 * @param {{timeoutMs?: number, env?: NodeJS.ProcessEnv}} [options]
 */
export function run(file, args, options = {}) {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: options.timeoutMs ?? 30_000, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout: String(stdout ?? ''), stderr: String(stderr ?? '') || (err && code === null ? String(err.message) : '') });
    });
  });
}

/** True when `docker info` answers within 15 s. Never throws. */
export async function dockerAvailable() {
  try {
    const res = await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 15_000 });
    return res.code === 0 && res.stdout.trim() !== '';
  } catch {
    return false;
  }
}

/**
 * Make a Docker engine available: use a running one, or (as root) start `dockerd` detached.
 * @param {{log?: (line: string) => void, waitMs?: number}} [options]
 * @returns {Promise<{ok: boolean, reason: string}>}
 */
export async function ensureDockerEngine(options = {}) {
  const log = options.log ?? (() => {});
  const waitMs = options.waitMs ?? 60_000;
  if (await dockerAvailable()) return { ok: true, reason: 'docker engine already running' };

  const client = await run('docker', ['--version'], { timeoutMs: 5000 });
  if (client.code === null) return { ok: false, reason: 'the docker client is not installed' };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { ok: false, reason: 'docker info fails and we are not root, so we cannot start dockerd' };
  }
  const dockerd = await run('sh', ['-c', 'command -v dockerd'], { timeoutMs: 5000 });
  if (dockerd.code !== 0) return { ok: false, reason: 'dockerd is not installed (apt-get install docker.io)' };

  log(`starting dockerd (log: ${DOCKERD_LOG})`);
  const out = fs.openSync(DOCKERD_LOG, 'a');
  // setsid + detached: the daemon must outlive this process and the test run.
  const child = spawn('setsid', ['dockerd'], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  fs.closeSync(out);

  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    if (await dockerAvailable()) return { ok: true, reason: 'started dockerd' };
  }
  return { ok: false, reason: `dockerd did not answer within ${Math.round(waitMs / 1000)} s; see ${DOCKERD_LOG}` };
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureDockerEngine({ log: (l) => process.stderr.write(l + '\n') }).then((result) => {
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(result.ok ? 0 : 1);
  });
}
