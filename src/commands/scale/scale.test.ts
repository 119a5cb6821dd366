import { describe, expect, it } from 'vitest';
import { createTestContext } from '../../testing/context.js';
import { writeGatewayFixture } from '../../testing/gateway-fixture.js';
import { optionsSchema, parseTargets, run } from './scale.handler.js';

async function gateway(env: Record<string, string>): Promise<string> {
  return (await writeGatewayFixture({ env })).dir;
}

async function scaleError(dir: string, args: string[]) {
  return run(createTestContext({ dir, yes: true }), optionsSchema.parse({ args })).then(
    () => {
      throw new Error('scale was expected to fail');
    },
    (error: { code: string; message: string; hint?: string }) => error,
  );
}

describe('scale', () => {
  it('reads service=replicas and refuses anything else, naming what can be scaled', () => {
    expect([...parseTargets(['litellm=3', 'open-webui=2'])]).toEqual([['litellm', 3], ['open-webui', 2]]);
    expect(() => parseTargets([])).toThrow(/Name what to scale/);
    expect(() => parseTargets(['litellm'])).toThrow(/not service=replicas/);
    expect(() => parseTargets(['postgres=2'])).toThrow(/only litellm and open-webui run replicas/);
    expect(() => parseTargets(['litellm=0'])).toThrow(/replicas go from 1 to 64/);
  });

  it('refuses on Compose, and where the stack lacks Redis, Open WebUI\'s database or connections, with the setup command', async () => {
    const compose = await gateway({});
    expect(await scaleError(compose, ['litellm=2'])).toMatchObject({ code: 'REPLICAS_NEED_SWARM', hint: expect.stringContaining('--engine swarm --replicas 2') });
    const single = await gateway({ ENGINE: 'swarm' });
    expect(await scaleError(single, ['litellm=2'])).toMatchObject({ code: 'NEEDS_REDIS', hint: expect.stringContaining('--replicas 2') });
    const replicated = await gateway({ ENGINE: 'swarm', LITELLM_REPLICAS: '2' });
    expect(await scaleError(replicated, ['open-webui=2'])).toMatchObject({ code: 'NEEDS_DATABASE', hint: expect.stringContaining('--webui-replicas 2') });
    const webui = await gateway({ ENGINE: 'swarm', LITELLM_REPLICAS: '2', WEBUI_REPLICAS: '2' });
    expect(await scaleError(webui, ['open-webui=1'])).toMatchObject({ code: 'NEEDS_DATABASE', hint: expect.stringContaining('open-webui=2') });
    const error = await scaleError(replicated, ['litellm=64']);
    expect(error).toMatchObject({ code: 'CONNECTION_BUDGET', hint: expect.stringContaining('--postgres-max-connections') });
    expect(error.message).toContain('64 LiteLLM replicas x 2 workers x pool 10 = 1280');
  });
});
