/**
 * Running the built CLI as an ordinary user in the `docker` group, as most Linux users do:
 * `useradd` (if missing), `usermod -aG docker`, then `runuser -u USER -- node bin/ai-gateway.js ...`.
 * The user cannot reach the test runner's Node (under /root), so a copy of it is kept in
 * /opt/aigw-e2e. Idempotent: the user and the copy are created once and reused.
 */
import { execFile } from 'node:child_process';
import { chown, copyFile, mkdir, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { ROOT, type CliResult } from './helpers.js';

const exec = promisify(execFile);
export const E2E_USER = 'aigw-e2e';
const NODE_DIR = join('/opt/aigw-e2e', `node-${process.version}`);

export interface OrdinaryUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** Why the suite cannot run as an ordinary user here (null: it can). */
export async function ordinaryUserSkipReason(): Promise<string | null> {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root to create the user and run the CLI as it (runuser)';
  try {
    await exec('sh', ['-c', 'command -v runuser && command -v useradd && getent group docker']);
  } catch {
    return 'runuser, useradd or the docker group is missing';
  }
  const socket = await stat('/var/run/docker.sock').catch(() => null);
  if (!socket) return 'no /var/run/docker.sock';
  return null;
}

export async function ensureOrdinaryUser(): Promise<OrdinaryUser> {
  const exists = await exec('id', ['-u', E2E_USER]).then(() => true, () => false);
  if (!exists) await exec('useradd', ['--create-home', '--shell', '/bin/sh', E2E_USER]);
  await exec('usermod', ['-aG', 'docker', E2E_USER]);
  const uid = Number((await exec('id', ['-u', E2E_USER])).stdout.trim());
  const gid = Number((await exec('id', ['-g', E2E_USER])).stdout.trim());
  const home = (await exec('sh', ['-c', `getent passwd ${E2E_USER} | cut -d: -f6`])).stdout.trim();
  const node = join(NODE_DIR, 'node');
  if (!(await stat(node).catch(() => null))) {
    await mkdir(NODE_DIR, { recursive: true, mode: 0o755 });
    await copyFile(process.execPath, `${node}.partial`);
    await exec('chmod', ['755', `${node}.partial`]);
    await exec('mv', [`${node}.partial`, node]);
  }
  return { name: E2E_USER, uid, gid, home };
}

/** A fresh empty directory owned by the user (where its gateway goes). */
export async function userDir(user: OrdinaryUser): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-e2e-user-'));
  await chown(dir, user.uid, user.gid);
  return dir;
}

/** The built CLI as `user`: its own HOME and PATH (our Node copy first), no TTY, no colors. */
export async function cliAs(user: OrdinaryUser, dir: string, args: string[], env: Record<string, string> = {}, timeoutMs = 600_000): Promise<CliResult> {
  const started = Date.now();
  const result = await execa('runuser', ['-u', user.name, '--', join(NODE_DIR, 'node'), join(ROOT, 'bin', 'ai-gateway.js'), ...args, '--dir', dir], {
    reject: false,
    timeout: timeoutMs,
    stdin: 'ignore',
    cwd: dirname(dir),
    extendEnv: false,
    env: { PATH: `${NODE_DIR}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`, HOME: user.home, USER: user.name, LOGNAME: user.name, CI: '1', NO_COLOR: '1', ...env },
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), durationMs: Date.now() - started };
}
