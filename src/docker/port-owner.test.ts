import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestContext, tempDir } from '../testing/context.js';
import { FakeDocker, fakeContainer } from '../testing/fake-docker.js';
import { describePortOwner, findListeningProcess, findPortOwner, listeningInodes } from './port-owner.js';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0BB8 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 31338 1 0000000000000000 20 4 30 10 -1
   2: 00000000:0FA0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0
`;

async function fakeProc(): Promise<string> {
  const root = await tempDir('aigw-proc-');
  await mkdir(join(root, 'net'));
  await writeFile(join(root, 'net', 'tcp'), TCP);
  await writeFile(join(root, 'net', 'tcp6'), '  sl  local_address\n');
  for (const [pid, inode, comm, cmdline] of [
    ['101', '999', 'sshd', '/usr/sbin/sshd\0-D\0'],
    ['202', '31337', 'python3', '/usr/bin/python3\0-m\0http.server\0--token=hunter2secret\0'],
  ] as const) {
    await mkdir(join(root, pid, 'fd'), { recursive: true });
    await symlink(`socket:[${inode}]`, join(root, pid, 'fd', '3'));
    await symlink('/dev/null', join(root, pid, 'fd', '0'));
    await writeFile(join(root, pid, 'comm'), `${comm}\n`);
    await writeFile(join(root, pid, 'cmdline'), cmdline);
  }
  return root;
}

describe('listeningInodes', () => {
  it('finds the LISTEN sockets on a port (not established connections)', () => {
    expect(listeningInodes(TCP, 3000)).toEqual(['31337']);
    expect(listeningInodes(TCP, 4000)).toEqual(['777']);
    expect(listeningInodes(TCP, 5000)).toEqual([]);
  });
});

describe('findListeningProcess', () => {
  it('maps the socket inode to the process, without its other arguments', async () => {
    const owner = await findListeningProcess(3000, await fakeProc());
    expect(owner).toEqual({ kind: 'process', pid: 202, command: 'python3: /usr/bin/python3' });
    expect(describePortOwner(owner)).toBe('process 202 (python3: /usr/bin/python3)');
  });

  it('returns null when nobody listens, or the owner is not visible', async () => {
    const root = await fakeProc();
    expect(await findListeningProcess(5000, root)).toBeNull();
    expect(await findListeningProcess(4000, root)).toBeNull(); // inode 777 belongs to no visible process
  });
});

describe('findPortOwner', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('names the container publishing the port first', async () => {
    const docker = new FakeDocker({ containers: [fakeContainer('web', { project: 'other', name: 'other-web-1', ports: [{ containerPort: 80, hostIp: '0.0.0.0', hostPort: 3000 }] })] });
    const owner = await findPortOwner(createTestContext({ docker }), 3000, await fakeProc());
    expect(owner).toEqual({ kind: 'container', name: 'other-web-1', project: 'other', service: 'web' });
    expect(describePortOwner(owner)).toBe('container "other-web-1" (Compose project "other", service web)');
  });

  it.runIf(process.platform === 'linux')('finds this very process on the real /proc', async () => {
    server = createServer();
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const owner = await findPortOwner(createTestContext({ docker: new FakeDocker() }), port);
    expect(owner).toMatchObject({ kind: 'process', pid: process.pid });
  });
});
