// After "change settings", `start` applies the change and touches only what it concerns: a new
// budget (config.yaml, a mounted file) restarts LiteLLM alone; a new Nginx port recreates Nginx alone.
//
// The fake Compose below decides what `up -d` recreates as Compose does: a service is recreated
// when its configuration, after interpolating `.env`, differs from the one it was created with
// (Compose's config hash). The files it reads are the ones setup wrote, so the test fails if
// setup's rendering ever ties a setting to services it does not concern.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { HttpFetch } from '../src/core/http.js';
import { EnvFile } from '../src/gateway/env-file.js';
import { createTestContext, fakeClock, seededRandom, tempDir } from '../src/testing/context.js';
import { FakeDocker, fakeContainer } from '../src/testing/fake-docker.js';
import { scriptedPrompts, type ScriptedAnswer } from '../src/testing/prompts.js';
import { run as start, type StartDeps } from '../src/commands/start/start.handler.js';
import type { SetupProbes } from '../src/commands/setup/answers/resolver.js';
import { optionsSchema, run as setup } from '../src/commands/setup/setup.handler.js';

const SERVICES = ['postgres', 'litellm', 'open-webui', 'nginx'];
const freePorts: SetupProbes = {
  probePort: async () => 'free',
  findFreePort: async ({ preferred }) => preferred,
  randomHighPort: async () => 50_000,
  totalMemoryMb: () => 16_384,
};
const keptKey: StartDeps = { ensureOpenWebuiKey: async () => ({ action: 'kept', changed: false }) };
/** LiteLLM ready on its port; through Nginx the API answers 401 without a key and / serves Open WebUI. */
const fetchOk = (async (url: string | URL) => {
  const target = String(url);
  if (target.includes('/api/litellm/')) return new Response('{"error":{"message":"Authentication Error, No api key passed in.","type":"auth_error","param":"None","code":"401"}}', { status: 401 });
  if (target.includes('/health')) return new Response(JSON.stringify({ status: 'healthy', db: 'connected' }), { status: 200 });
  return new Response('<html>Open WebUI</html>', { status: 200 });
}) as HttpFetch;

/** Each service's configuration as Compose sees it: both files merged, `${VAR}` / `${VAR:-x}` from .env. */
function resolvedServices(dir: string): Record<string, string> {
  const env = EnvFile.parse(readFileSync(join(dir, '.env'), 'utf8'));
  const interpolate = (text: string) => text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_m, name: string, fallback?: string) => env.get(name) || fallback || '');
  const base = parseYaml(interpolate(readFileSync(join(dir, 'docker-compose.yml'), 'utf8'))) as { services: Record<string, unknown> };
  const override = parseYaml(interpolate(readFileSync(join(dir, 'docker-compose.override.yml'), 'utf8'))) as { services: Record<string, unknown> };
  return Object.fromEntries(Object.keys(base.services).map((s) => [s, JSON.stringify([base.services[s], override.services?.[s] ?? null])]));
}

/** Compose `up -d` / `restart` over FakeDocker: recreate what changed, restart what is asked. */
function fakeCompose(docker: FakeDocker, dir: string): { recreated: string[][] } {
  let applied: Record<string, string> = {};
  let tick = 0;
  const stamp = () => `2026-01-01T00:${String(10 + tick++).padStart(2, '0')}:00Z`;
  const log = { recreated: [] as string[][] };
  // Synchronous, so FakeDocker sees the containers change within the call (its event stream).
  docker.onCompose = (sub, args, engine) => {
    if (sub === 'up') {
      const now = resolvedServices(dir);
      const targets = SERVICES.filter((s) => now[s] !== applied[s] || !engine.containers.some((c) => c.service === s));
      log.recreated.push(targets);
      for (const service of targets) {
        engine.containers = engine.containers.filter((c) => c.service !== service);
        engine.containers.push(fakeContainer(service, { health: 'healthy', startedAt: stamp() }));
      }
      applied = now;
      return { stdout: '', stderr: '', exitCode: 0 };
    }
    if (sub === 'restart') {
      for (const c of engine.containers) if (args.includes(c.service)) Object.assign(c, { health: 'healthy', startedAt: stamp() });
      return { stdout: '', stderr: '', exitCode: 0 };
    }
    return undefined;
  };
  return log;
}

const keep = (overrides: Record<string, string | boolean>): ScriptedAnswer[] => [
  { id: 'mode', answer: 'change' },
  { id: 'profile', answer: overrides.profile ?? 'medium' },
  { id: 'budget', answer: overrides.budget ?? 'test' },
  { id: 'nginx', answer: true },
  { id: 'bind', answer: '127.0.0.1' },
  { id: 'port.nginx', answer: overrides['port.nginx'] ?? '53000' },
  { id: 'port.litellm', answer: '54000' },
  { id: 'tls', answer: 'off' },
  // (no provider configured: nothing to remove, so that question is not asked)
  { id: 'change.images', answer: false },
  { id: 'providers', answer: 'done' },
  { id: 'change.confirm', answer: true },
];

async function changeSettings(dir: string, overrides: Record<string, string | boolean>): Promise<void> {
  const prompts = scriptedPrompts(keep(overrides));
  await setup(createTestContext({ dir, env: {}, prompts, random: seededRandom(5) }), optionsSchema.parse({}), freePorts);
  prompts.assertDone();
}

describe('change settings, then start', () => {
  it('a new budget restarts LiteLLM only; a new Nginx port recreates Nginx only', async () => {
    const dir = join(await tempDir('aigw-change-start-'), 'gw');
    await setup(createTestContext({ dir, env: {}, yes: true, random: seededRandom(3) }), optionsSchema.parse({ projectName: 'gw', nginxPort: '53000', litellmPort: '54000' }), freePorts);
    const docker = new FakeDocker();
    const compose = fakeCompose(docker, dir);
    const ctx = () => createTestContext({ dir, docker, clock: fakeClock(), http: { fetch: fetchOk } });

    const first = await start(ctx(), { wait: true }, keptKey);
    expect(first.changed).toEqual([...SERVICES].sort());

    await changeSettings(dir, { budget: 'prod' });
    const afterBudget = await start(ctx(), { wait: true }, keptKey);
    expect(compose.recreated.at(-1)).toEqual([]); // nothing Compose reads changed
    expect(docker.composeCalls().at(-1)).toEqual({ sub: 'restart', args: ['litellm'] });
    expect(afterBudget.changed).toEqual(['litellm']);

    await changeSettings(dir, { budget: 'prod', 'port.nginx': '53100' });
    const callsBefore = docker.composeCalls().length;
    const afterPort = await start(ctx(), { wait: true }, keptKey);
    expect(compose.recreated.at(-1)).toEqual(['nginx']);
    expect(docker.composeCalls().slice(callsBefore).map((c) => c.sub)).not.toContain('restart');
    expect(afterPort.changed).toEqual(['nginx']);
    expect(afterPort.urls.local.api).toContain(':53100/');

    // Unchanged settings: start finds it running and healthy and touches nothing.
    const again = await start(ctx(), { wait: true }, keptKey);
    expect(again.alreadyRunning).toBe(true);
  });
});
