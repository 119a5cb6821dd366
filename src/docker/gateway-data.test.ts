// The engine look-ups backup and restore make: over the engine socket when the client has one,
// through the docker CLI otherwise (and whenever the socket's answer is not what it should be).
import { describe, expect, it } from 'vitest';
import type { DockerClient, ExecResult } from '../core/docker-client.js';
import { createTestContext } from '../testing/context.js';
import { findProjectVolume, imageIdentities } from './gateway-data.js';

function engine(cli: (args: string[]) => Partial<ExecResult>, socket?: (path: string) => unknown) {
  const calls: string[][] = [];
  const asked: string[] = [];
  const docker: DockerClient = {
    docker: async (args) => (calls.push(args), { stdout: '', stderr: '', exitCode: 0, ...cli(args) }),
    exec: async () => ({ stdout: '', stderr: '', exitCode: 0 }),
    ...(socket ? { engineGet: async (path: string) => (asked.push(path), socket(path)) } : {}),
  };
  return { ctx: createTestContext({ docker }), calls, asked };
}

const ID = (n: number) => `sha256:${String(n).repeat(64)}`;

describe('imageIdentities', () => {
  it('over the socket: one GET per image, the name sent as the CLI sends it; no docker run', async () => {
    const { ctx, calls, asked } = engine(
      () => ({ exitCode: 1 }),
      (path) => (path.includes('nginx') ? { Id: ID(1), RepoDigests: ['nginx@sha256:abc'] } : { Id: ID(2), RepoDigests: null }),
    );
    expect(await imageIdentities(ctx, ['nginx:1.30-alpine', 'ai-gateway-test/litellm:x'])).toEqual([
      { id: ID(1), digest: 'nginx@sha256:abc' },
      { id: ID(2), digest: null },
    ]);
    expect(asked).toEqual(['/images/nginx:1.30-alpine/json', '/images/ai-gateway-test/litellm:x/json']);
    expect(calls).toEqual([]);
  });

  it('an image the socket does not know (or no socket): the CLI answers for all of them', async () => {
    const cli = () => ({ stdout: `"${ID(3)}" ["a@sha256:1"]\n"${ID(4)}" []` });
    const missing = engine(cli, (path) => (path.includes('b:') ? null : { Id: ID(3), RepoDigests: [] }));
    expect(await imageIdentities(missing.ctx, ['a:1', 'b:2'])).toEqual([
      { id: ID(3), digest: 'a@sha256:1' },
      { id: ID(4), digest: null },
    ]);
    expect(missing.calls[0]?.slice(0, 2)).toEqual(['image', 'inspect']);
    const none = engine(cli);
    expect(await imageIdentities(none.ctx, ['a:1', 'b:2'])).toHaveLength(2);
    expect(none.calls).toHaveLength(1);
  });
});

describe('findProjectVolume', () => {
  it('over the socket, by both Compose labels; through the CLI when the socket has no answer', async () => {
    const viaSocket = engine(() => ({ exitCode: 1 }), () => ({ Volumes: [{ Name: 'gw_open_webui_data' }] }));
    expect(await findProjectVolume(viaSocket.ctx, 'gw', 'open_webui_data')).toBe('gw_open_webui_data');
    expect(JSON.parse(decodeURIComponent((viaSocket.asked[0] as string).replace('/volumes?filters=', '')))).toEqual({ label: ['com.docker.compose.project=gw', 'com.docker.compose.volume=open_webui_data'] });
    expect(viaSocket.calls).toEqual([]);
    expect(await findProjectVolume(engine(() => ({}), () => ({ Volumes: null })).ctx, 'gw', 'open_webui_data')).toBeNull();
    const viaCli = engine(() => ({ stdout: 'gw_open_webui_data\n' }), () => null);
    expect(await findProjectVolume(viaCli.ctx, 'gw', 'open_webui_data')).toBe('gw_open_webui_data');
    expect(viaCli.calls[0]?.slice(0, 2)).toEqual(['volume', 'ls']);
  });
});
