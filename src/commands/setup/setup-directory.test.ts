// Setup says where it works before it asks anything, and its "Next:" works from where the user stands.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SetupProbes } from './answers/resolver.js';
import { createTestContext, seededRandom, tempDir } from '../../testing/context.js';
import { scriptedPrompts } from '../../testing/prompts.js';
import { optionsSchema, render, run } from './setup.handler.js';

const freePorts: SetupProbes = {
  probePort: async () => 'free',
  findFreePort: async ({ preferred }) => preferred,
  randomHighPort: async () => 55_555,
  totalMemoryMb: () => 16_384,
};

describe('setup and the directory it works in', () => {
  it('names the target directory before its first question', async () => {
    const dir = join(await tempDir('aigw-setup-'), 'team gateway');
    const prompts = scriptedPrompts([{ id: 'profile', cancel: true }]);
    let printedBeforeFirstQuestion = '';
    const ctx = createTestContext({ dir, cwd: '/home/someone', random: seededRandom(3), prompts });
    const select = prompts.select.bind(prompts);
    prompts.select = async (question) => {
      if (prompts.asked.length === 0) printedBeforeFirstQuestion = ctx.captured.stderr.join('');
      return select(question);
    };
    await expect(run(ctx, optionsSchema.parse({}), freePorts)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(prompts.asked.map((q) => q.id)).toEqual(['profile']);
    expect(printedBeforeFirstQuestion).toContain(`Gateway directory: ${dir}. To set one up elsewhere, cancel (Ctrl-C) and pass --dir <path>.`);

    const here = await tempDir('aigw-setup-');
    const hereCtx = createTestContext({ dir: here, random: seededRandom(3), prompts: scriptedPrompts([{ id: 'profile', cancel: true }]) });
    await expect(run(hereCtx, optionsSchema.parse({}), freePorts)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(hereCtx.captured.stderr.join('')).toContain(`Gateway directory: ${here} (the current directory).`);
  });

  it('"Next:" carries --dir (quoted) when the gateway is not the current directory, and not when it is', async () => {
    const dir = join(await tempDir('aigw-setup-'), 'team gateway');
    const ctx = createTestContext({ dir, cwd: '/home/someone', yes: true, random: seededRandom(3) });
    const elsewhere = await run(ctx, optionsSchema.parse({}), freePorts);
    expect(elsewhere.next).toBe(`ai-gateway start --dir '${dir}'`);
    expect(render(elsewhere, ctx.out.style)).toContain(`Next: ai-gateway start --dir '${dir}'`);
    expect(ctx.captured.stderr.join('')).not.toContain('Gateway directory:'); // no questions, no preamble

    const here = createTestContext({ dir, yes: true, random: seededRandom(3) });
    expect((await run(here, optionsSchema.parse({}), freePorts)).next).toBe('ai-gateway start');
  });
});
