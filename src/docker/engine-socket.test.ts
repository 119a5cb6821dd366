// The local engine's socket: which engine the CLI would use (only a plain local socket qualifies),
// and GET over a real Unix socket served by node:http (answers, errors and silence all give null).
import { createServer, type Server } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/context.js';
import { engineGet, localEngineSocket } from './engine-socket.js';

async function configDir(config: string | null): Promise<string> {
  const dir = await tempDir('aigw-docker-config-');
  if (config !== null) await writeFile(join(dir, 'config.json'), config);
  return dir;
}

describe.skipIf(process.platform === 'win32')('localEngineSocket', () => {
  it('the default socket when nothing names another engine', async () => {
    expect(localEngineSocket({ DOCKER_CONFIG: await configDir(null) })).toBe('/var/run/docker.sock');
    expect(localEngineSocket({ DOCKER_CONFIG: await configDir('{"auths":{}}') })).toBe('/var/run/docker.sock');
    expect(localEngineSocket({ DOCKER_CONFIG: await configDir('{"currentContext":"default"}') })).toBe('/var/run/docker.sock');
    expect(localEngineSocket({ DOCKER_CONTEXT: 'default', DOCKER_CONFIG: await configDir('{"currentContext":"colima"}') })).toBe('/var/run/docker.sock');
    expect(localEngineSocket({ DOCKER_CONFIG: join(await configDir(null), 'no-such-dir') })).toBe('/var/run/docker.sock');
    const home = await tempDir('aigw-home-');
    await mkdir(join(home, '.docker'));
    await writeFile(join(home, '.docker', 'config.json'), '{}');
    expect(localEngineSocket({ HOME: home })).toBe('/var/run/docker.sock');
  });

  it('the socket DOCKER_HOST names with unix://', async () => {
    expect(localEngineSocket({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toBe('/run/user/1000/docker.sock');
  });

  it('null (ask the CLI) for any other engine or a config it may read differently', async () => {
    for (const host of ['tcp://10.0.0.5:2376', 'ssh://me@box', 'npipe:////./pipe/docker_engine', 'unix://']) expect(localEngineSocket({ DOCKER_HOST: host }), host).toBeNull();
    expect(localEngineSocket({ DOCKER_CONTEXT: 'desktop-linux' })).toBeNull();
    expect(localEngineSocket({ DOCKER_CONFIG: await configDir('{"currentContext":"rootless"}') })).toBeNull();
    expect(localEngineSocket({ DOCKER_CONFIG: await configDir('{not json') })).toBeNull();
    const unreadable = await configDir(null);
    await mkdir(join(unreadable, 'config.json')); // EISDIR: not "absent"
    expect(localEngineSocket({ DOCKER_CONFIG: unreadable })).toBeNull();
  });
});

describe.skipIf(process.platform === 'win32')('engineGet', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const socket = join(await tempDir('aigw-engine-'), 'docker.sock');
    server = createServer(handler);
    await new Promise<void>((resolve) => server?.listen(socket, resolve));
    return socket;
  }

  it('returns the JSON of a 200 answer, asking the path it was given', async () => {
    const seen: string[] = [];
    const socket = await serve((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"Volumes":[{"Name":"v1"}],"Warnings":null}');
    });
    expect(await engineGet(socket, '/volumes?filters=%7B%7D', 1_000)).toEqual({ Volumes: [{ Name: 'v1' }], Warnings: null });
    expect(seen).toEqual(['GET /volumes?filters=%7B%7D']);
  });

  it('null for an error status, a body that is not JSON, silence past the timeout, or no socket at all', async () => {
    let mode: 'error' | 'garbage' | 'silent' = 'error';
    const socket = await serve((_req, res) => {
      if (mode === 'error') res.writeHead(500).end('{"message":"boom"}');
      else if (mode === 'garbage') res.writeHead(200).end('<html>');
      // silent: never answers
    });
    expect(await engineGet(socket, '/volumes', 1_000)).toBeNull();
    mode = 'garbage';
    expect(await engineGet(socket, '/volumes', 1_000)).toBeNull();
    mode = 'silent';
    const started = Date.now();
    expect(await engineGet(socket, '/volumes', 200)).toBeNull();
    expect(Date.now() - started).toBeLessThan(3_000);
    server?.closeAllConnections();
    expect(await engineGet(join(await tempDir('aigw-engine-'), 'none.sock'), '/volumes', 1_000)).toBeNull();
  });
});
