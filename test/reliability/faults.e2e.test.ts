/**
 * Faults under a running stack, on a real engine with the test images:
 * - `stop` + `start` keeps keys and data (a key made before the stop still works, VIRTUAL_KEY unchanged,
 *   and doctor and smoke pass again);
 * - PostgreSQL stopped under the running stack: `doctor` fails readiness (database) and names postgres;
 * - LiteLLM killed under the running stack: `doctor` names it, the API checks say why they were skipped.
 * (LiteLLM dying *during* `start` is covered by test/e2e/faults.e2e.test.ts, which it would duplicate.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestImages } from '../testbed/images.mjs';
import { describeResult, destroyStack, docker, engineOrSkipReason, readEnv, testImages } from '../e2e/helpers.js';
import { eventually, MOCK_ANSWER, MOCK_MODEL, serviceContainer, setupStack, startStack, type TestStack } from './stack.js';
import { recordFigures } from './figures.js';

const skipReason = await engineOrSkipReason('reliability/faults.e2e');
const describeEngine = skipReason === null ? describe : describe.skip;

interface Report {
  ok: boolean;
  checks?: { id: string; status: string; finding: string; fix: string | null }[];
  steps?: { id: string; status: string; finding: string }[];
}

describeEngine('faults under a running stack', () => {
  let images: TestImages;
  let stack: TestStack;

  beforeAll(async () => {
    images = await testImages();
    stack = await setupStack(images);
    await startStack(stack);
  });

  /** The faults this run survived, for the README's figures (npm run figures). */
  const survived: string[] = [];
  afterAll(async () => {
    if (stack) await destroyStack(stack.dir, stack.project);
    if (survived.length === 3) await recordFigures('stack-faults', import.meta.filename, { faults: survived.length });
  });

  const doctor = async () => {
    const result = await stack.run(['doctor', '--json']);
    return { result, doc: JSON.parse(result.stdout) as Report };
  };
  const check = (doc: Report, id: string) => doc.checks?.find((c) => c.id === id);

  /** Doctor with no failing check (a healthy stack); the failing checks otherwise. */
  let passing: Report | undefined;
  const doctorPasses = async (): Promise<true | string> => {
    const { result, doc } = await doctor();
    passing = doc;
    if (result.exitCode === 0 && !doc.checks?.some((c) => c.status === 'fail')) return true;
    return `exit ${result.exitCode}: ${JSON.stringify(doc.checks?.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.finding}`))}`;
  };

  it('doctor and smoke pass on the healthy stack', async () => {
    await eventually('doctor on the healthy stack', doctorPasses);
    const doc = passing as Report;
    for (const id of ['stack.containers', 'stack.network', 'api.readiness', 'api.openapi', 'api.models-nginx', 'api.models-direct', 'api.admin-blocked']) {
      expect(check(doc, id)?.status, id).toBe('ok');
    }
    const smoke = await stack.run(['smoke', '--json', '--model', MOCK_MODEL]);
    expect(smoke.exitCode, describeResult(smoke)).toBe(0);
    const steps = (JSON.parse(smoke.stdout) as Report).steps ?? [];
    expect(steps.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
    expect(steps[1]?.finding).toContain(MOCK_ANSWER);
  });

  it('stop + start keeps keys and data', async () => {
    let key = '';
    await eventually('key create', async () => {
      const created = await stack.run(['key', 'create', '--alias', 'survivor', '--json']);
      if (created.exitCode !== 0) return describeResult(created);
      key = (JSON.parse(created.stdout) as { key: string }).key;
      return true;
    });
    const virtualKeyBefore = (await readEnv(stack.dir)).get('VIRTUAL_KEY');
    expect(virtualKeyBefore).toMatch(/^sk-/);

    const stop = await stack.run(['stop']);
    expect(stop.exitCode, describeResult(stop)).toBe(0);
    await startStack(stack);

    const info = await stack.run(['key', 'info', 'survivor', '--json']);
    expect(info.exitCode, describeResult(info)).toBe(0);
    expect((JSON.parse(info.stdout) as { info: { alias: string } }).info.alias).toBe('survivor');
    expect((await readEnv(stack.dir)).get('VIRTUAL_KEY'), 'start kept the Open WebUI key').toBe(virtualKeyBefore);
    const models = await stack.run(['models', '--json'], { AI_GATEWAY_API_KEY: key });
    expect(models.exitCode, describeResult(models)).toBe(0);
    const smoke = await stack.run(['smoke', '--json', '--model', MOCK_MODEL]);
    expect(smoke.exitCode, describeResult(smoke)).toBe(0);
    survived.push('stop + start');
  });

  it('PostgreSQL stopped under the running stack: doctor fails readiness and names postgres (exit 6)', async () => {
    const postgres = await serviceContainer(stack.project, 'postgres');
    await docker('stop', '-t', '5', postgres);
    try {
      const { result, doc } = await doctor();
      expect(result.exitCode, describeResult(result)).toBe(6);
      expect(doc.ok).toBe(false);
      expect(check(doc, 'stack.containers')).toMatchObject({ status: 'fail', finding: expect.stringMatching(/Not healthy: postgres \(exited/) });
      expect(check(doc, 'api.readiness')).toMatchObject({ status: 'fail', finding: expect.stringMatching(/LiteLLM is not ready/), fix: expect.stringContaining('PostgreSQL') });
      expect(check(doc, 'api.liveliness')?.status).toBe('ok'); // the proxy itself still answers
      // Human output names it too, with the fix under it.
      const human = await stack.run(['doctor', '--group', 'api']);
      expect(human.exitCode).toBe(6);
      expect(human.stdout).toMatch(/✖ LiteLLM \/health\/readiness \(database connected\): LiteLLM is not ready/);
      expect(human.stdout).toMatch(/→ PostgreSQL is down or unreachable/);
    } finally {
      await docker('start', postgres);
    }
    survived.push('PostgreSQL stopped');
  });

  it('LiteLLM killed under the running stack: doctor names it; the API checks say why they were skipped', async () => {
    const litellm = await serviceContainer(stack.project, 'litellm');
    await docker('update', '--restart', 'no', litellm); // keep it down while we look
    await docker('kill', litellm);
    const { result, doc } = await doctor();
    expect(result.exitCode, describeResult(result)).toBe(6);
    expect(check(doc, 'stack.containers')).toMatchObject({ status: 'fail', finding: expect.stringMatching(/litellm \(exited, exit code 137\)/), fix: expect.stringContaining('ai-gateway logs litellm') });
    expect(check(doc, 'api.readiness')).toMatchObject({ status: 'skipped', finding: 'Skipped: litellm is exited' });
    // start brings it back, and doctor says so.
    await startStack(stack);
    await eventually('doctor after start brought litellm back', doctorPasses);
    survived.push('LiteLLM killed');
  });
});
