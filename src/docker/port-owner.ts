/**
 * Who holds a host port? First a container publishing it (`docker ps --filter publish=`), since
 * that is the usual culprit and docker can name it; else, on Linux, the listening process found
 * through /proc/net/tcp{,6} and the socket links in /proc/<pid>/fd. Best effort: another user's
 * processes are invisible without root, and then we say what we know (nothing).
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../core/context.js';
import { containersPublishing } from './containers.js';

export type PortOwner =
  | { kind: 'container'; name: string; project: string | null; service: string | null }
  | { kind: 'process'; pid: number; command: string };

export async function findPortOwner(ctx: Context, port: number, procRoot = '/proc'): Promise<PortOwner | null> {
  try {
    const [container] = await containersPublishing(ctx, port);
    if (container) return { kind: 'container', name: container.name, project: container.project, service: container.service };
  } catch {
    // docker unavailable here: the process lookup may still know
  }
  return findListeningProcess(port, procRoot);
}

export function describePortOwner(owner: PortOwner | null): string {
  if (!owner) return 'another program';
  if (owner.kind === 'container') {
    return `container "${owner.name}"${owner.project ? ` (Compose project "${owner.project}"${owner.service ? `, service ${owner.service}` : ''})` : ''}`;
  }
  return `process ${owner.pid} (${owner.command})`;
}

/** Socket inodes listening on `port` in a /proc/net/tcp or tcp6 table. */
export function listeningInodes(table: string, port: number): string[] {
  const inodes: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const state = fields[3];
    const inode = fields[9];
    if (!local || state !== '0A' || !inode || inode === '0') continue; // 0A = LISTEN
    const hexPort = local.split(':')[1];
    if (hexPort && parseInt(hexPort, 16) === port) inodes.push(inode);
  }
  return inodes;
}

export async function findListeningProcess(port: number, procRoot = '/proc'): Promise<PortOwner | null> {
  const inodes = new Set<string>();
  for (const table of ['tcp', 'tcp6']) {
    const text = await readFile(join(procRoot, 'net', table), 'utf8').catch(() => '');
    for (const inode of listeningInodes(text, port)) inodes.add(inode);
  }
  if (inodes.size === 0) return null;
  const pids = (await readdir(procRoot).catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    const fdDir = join(procRoot, pid, 'fd');
    const fds = await readdir(fdDir).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(join(fdDir, fd)).catch(() => '');
      const match = /^socket:\[(\d+)\]$/.exec(link);
      if (match?.[1] && inodes.has(match[1])) return { kind: 'process', pid: Number(pid), command: await processCommand(procRoot, pid) };
    }
  }
  return null;
}

/** The program's name and path only: its other arguments may carry another program's secrets. */
async function processCommand(procRoot: string, pid: string): Promise<string> {
  const comm = (await readFile(join(procRoot, pid, 'comm'), 'utf8').catch(() => '')).trim();
  const cmdline = await readFile(join(procRoot, pid, 'cmdline'), 'utf8').catch(() => '');
  const executable = cmdline.split('\0')[0]?.trim() ?? '';
  if (comm && executable && executable !== comm) return `${comm}: ${executable}`;
  return comm || executable || 'unknown';
}
