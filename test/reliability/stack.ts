/**
 * A real stack for the reliability e2e files, built on the operate suite's helpers
 * (test/e2e/helpers.ts): `setup` by the built CLI on random ports with the test images, a model
 * with a mock answer (a LiteLLM feature, so `smoke` can complete a chat offline), then `start`.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestImages } from '../testbed/images.mjs';
import { cli, describeResult, docker, imageEnv, readEnv, type CliResult } from '../e2e/helpers.js';

export const MOCK_MODEL = 'smoke-mock';
export const MOCK_ANSWER = 'pong from the reliability suite';

export interface TestStack {
  dir: string;
  project: string;
  /** Environment every command of this stack runs with (images, plus what the test adds). */
  env: Record<string, string>;
  run(args: string[], extraEnv?: Record<string, string>): Promise<CliResult>;
}

/** Appends a model whose answer is `mock_response` to config.yaml (setup keeps user-added models). */
export async function addMockModel(dir: string): Promise<void> {
  const path = join(dir, 'config.yaml');
  const text = await readFile(path, 'utf8');
  const entry = [`  - model_name: ${MOCK_MODEL}`, '    litellm_params:', '      model: openai/gpt-4o-mini', `      mock_response: "${MOCK_ANSWER}"`].join('\n');
  const updated = /^model_list:\s*\[\]\s*$/m.test(text)
    ? text.replace(/^model_list:\s*\[\]\s*$/m, `model_list:\n${entry}`)
    : text.replace(/^model_list:\s*$/m, `model_list:\n${entry}`);
  if (updated === text) throw new Error(`could not add the mock model to ${path}`);
  await writeFile(path, updated, { mode: 0o600 });
}

export async function setupStack(images: TestImages, options: { env?: Record<string, string>; setupArgs?: string[] } = {}): Promise<TestStack> {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-reliability-'));
  const env = { ...imageEnv(images), ...options.env };
  const setup = await cli(dir, ['setup', '--yes', '--ports', 'random', '--profile', 'small', ...(options.setupArgs ?? [])], env);
  if (setup.exitCode !== 0) throw new Error(`setup failed: ${describeResult(setup)}`);
  await addMockModel(dir);
  const project = (await readEnv(dir)).get('COMPOSE_PROJECT_NAME') ?? '';
  return { dir, project, env, run: (args, extraEnv = {}) => cli(dir, args, { ...env, ...extraEnv }) };
}

export async function startStack(stack: TestStack): Promise<CliResult> {
  const start = await stack.run(['start', '--timeout', '400']);
  if (start.exitCode !== 0) throw new Error(`start failed: ${describeResult(start)}`);
  return start;
}

/** The container id of a service (Compose v1 and v2 name containers differently; the labels are the same). */
export async function serviceContainer(project: string, service: string): Promise<string> {
  const id = (await docker('ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=com.docker.compose.service=${service}`)).split('\n')[0];
  if (!id) throw new Error(`no container of ${service} in ${project}`);
  return id;
}

/**
 * Runs `attempt` until it returns true, up to `tries` times, `pauseMs` apart. For preconditions
 * on a shared, heavily loaded engine (a database probe can time out once); every failed attempt
 * is logged, so a flake is visible rather than hidden. The fault assertions themselves never retry.
 */
export async function eventually(label: string, attempt: () => Promise<boolean | string>, tries = 4, pauseMs = 10_000): Promise<void> {
  let last = '';
  for (let i = 1; i <= tries; i++) {
    const outcome = await attempt();
    if (outcome === true) return;
    last = outcome === false ? 'not yet' : outcome;
    console.warn(`[reliability] ${label}: attempt ${i}/${tries} failed: ${last.slice(0, 2000)}`);
    if (i < tries) await new Promise((r) => setTimeout(r, pauseMs));
  }
  throw new Error(`${label}: still failing after ${tries} attempts: ${last}`);
}
