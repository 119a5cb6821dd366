import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../testing/context.js';
import { findFreePort, isPortFree, probePort, randomHighPort, RANDOM_PORT_RANGE, socketHost } from './ports.js';

const servers: Server[] = [];

/** Hold a real port on `host` (the OS picks it). */
async function occupy(host = '127.0.0.1', port = 0): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => resolve());
  });
  return (server.address() as { port: number }).port;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('host port probing', () => {
  it('sees a port held on the same address as busy, and a released one as free', async () => {
    const port = await occupy('127.0.0.1');
    expect(await probePort(port, '127.0.0.1')).toBe('busy');
    expect(await isPortFree(port, '127.0.0.1')).toBe(false);
    await new Promise((resolve) => servers.pop()?.close(resolve));
    expect(await isPortFree(port, '127.0.0.1')).toBe(true);
  });

  it('does not call a port busy that another probe holds for a moment', async () => {
    const port = await occupy('127.0.0.1');
    setTimeout(() => servers.pop()?.close(), 10); // released while the first answer is "in use"
    expect(await probePort(port, '127.0.0.1')).toBe('free');
  });

  it('sees a port held on all addresses as busy for 127.0.0.1 too (what Docker would hit)', async () => {
    const port = await occupy('0.0.0.0');
    expect(await isPortFree(port, '127.0.0.1')).toBe(false);
    expect(await isPortFree(port, '0.0.0.0')).toBe(false);
  });

  it('offers the next free port after a busy one, never an excluded one', async () => {
    const busy = await occupy('127.0.0.1');
    const next = await findFreePort({ preferred: busy, host: '127.0.0.1', exclude: [busy + 1] });
    expect(next).not.toBe(busy);
    expect(next).not.toBe(busy + 1);
    expect(await isPortFree(next, '127.0.0.1')).toBe(true);
    const free = await findFreePort({ preferred: next, host: '127.0.0.1' });
    expect(free).toBe(next); // a free preferred port is returned as is
  });

  it('picks random free ports in 49152-65535, reproducibly for a seed, skipping busy and excluded ones', async () => {
    const busy = new Set<number>();
    const isFree = async (port: number) => !busy.has(port);
    const first = await randomHighPort({ random: seededRandom(3), host: '127.0.0.1', isFree });
    expect(first).toBeGreaterThanOrEqual(RANDOM_PORT_RANGE.min);
    expect(first).toBeLessThanOrEqual(RANDOM_PORT_RANGE.max);
    expect(await randomHighPort({ random: seededRandom(3), host: '127.0.0.1', isFree })).toBe(first);
    busy.add(first);
    const second = await randomHighPort({ random: seededRandom(3), host: '127.0.0.1', isFree });
    expect(second).not.toBe(first);
    expect(await randomHighPort({ random: seededRandom(3), host: '127.0.0.1', isFree: async () => true, exclude: [first] })).not.toBe(first);
    await expect(randomHighPort({ random: seededRandom(3), host: '127.0.0.1', isFree: async () => false, attempts: 5 })).rejects.toMatchObject({ code: 'NO_FREE_PORT', exitCode: 3 });
  });

  it('strips the brackets Compose needs from IPv6 addresses', () => {
    expect(socketHost('[::1]')).toBe('::1');
    expect(socketHost('127.0.0.1')).toBe('127.0.0.1');
  });
});
