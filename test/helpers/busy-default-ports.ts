/**
 * vitest globalSetup: the unit suite runs with the gateway's default host ports busy (nginx/Open WebUI
 * 3000, LiteLLM 4000, PostgreSQL 5432), as on a developer's machine where something already listens
 * there. A test that only passes while those ports are free fails here, on every run, instead of on
 * the one machine where they happen to be taken. Tests pick free ports (`--ports random`, port 0) or
 * inject their port probes. A port that is already busy is left to its owner.
 */
import { createServer, type Server } from 'node:net';
import { DEFAULT_PORTS } from '../../src/gateway/settings.js';

export const HELD_PORTS = [...new Set(Object.values(DEFAULT_PORTS))];

export default async function holdDefaultPorts(): Promise<() => Promise<void>> {
  const servers: Server[] = [];
  for (const port of HELD_PORTS) {
    const server = createServer((socket) => socket.destroy());
    const held = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false)); // busy already: the point is made either way
      server.listen({ port, host: '0.0.0.0', exclusive: true }, () => resolve(true));
    });
    if (held) servers.push(server);
  }
  return async () => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  };
}
