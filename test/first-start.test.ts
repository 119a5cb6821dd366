import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HttpFetch } from '../src/core/http.js';
import { createTestContext, fakeClock, tempDir } from '../src/testing/context.js';
import { FakeDocker, fakeContainer } from '../src/testing/fake-docker.js';
import { writeGatewayFixture } from '../src/testing/gateway-fixture.js';
import { run as stop } from '../src/commands/stop/stop.handler.js';
import { FIRST_START_FILE } from '../src/commands/shared/first-start.js';
import { render, run, type StartDeps } from '../src/commands/start/start.handler.js';

const SERVICES = ['postgres', 'litellm', 'open-webui', 'nginx'];
const ready = (async () => new Response(JSON.stringify({ status: 'healthy', db: 'connected' }), { status: 200 })) as HttpFetch;
const keyAction = (action: 'kept' | 'created' | 'rotated'): StartDeps => ({ ensureOpenWebuiKey: async () => ({ action, changed: action !== 'kept' }) });

/** A Compose whose `up` creates the stack healthy at once. */
function engine(): FakeDocker {
  const docker = new FakeDocker({ volumes: ['gw_open_webui_data', 'gw_postgres_data'] });
  docker.onCompose = (sub, _args, fake) => {
    if (sub === 'up') fake.containers = SERVICES.map((s) => fakeContainer(s, { startedAt: `2026-01-01T00:0${fake.polls % 10}:00Z` }));
    return undefined;
  };
  return docker;
}

async function gateway(env: Record<string, string> = {}, options: { dir?: string; cwd?: string } = {}) {
  if (options.dir) await mkdir(options.dir, { recursive: true });
  const { dir } = await writeGatewayFixture({ env, ...(options.dir ? { dir: options.dir } : {}) });
  const docker = engine();
  const context = () => createTestContext({ dir, docker, clock: fakeClock(), http: { fetch: ready }, ...(options.cwd ? { cwd: options.cwd } : {}) });
  return { dir, docker, context };
}

describe('the first minutes after start', () => {
  it('the first healthy start says the first Open WebUI account becomes its administrator, with the URL; later starts do not', async () => {
    const { dir, context } = await gateway();
    const first = context();
    const result = await run(first, { wait: true }, keyAction('created'));
    expect(result.firstStart).toBe(true);
    expect(render(result, first.out.style)).toContain('Open WebUI: the first account created at http://127.0.0.1:53000/ becomes its administrator; create yours now.');
    expect(existsSync(join(dir, FIRST_START_FILE))).toBe(true);
    expect(first.captured.stderr.join('')).not.toContain('anyone who can reach'); // bound to loopback
    expect(first.captured.stderr.join('')).not.toContain('Admin Panel > Settings > Connections'); // nothing saved in a new Open WebUI

    const again = context();
    const second = await run(again, { wait: true }, keyAction('kept'));
    expect(second.firstStart).toBe(false);
    expect(render(second, again.out.style)).not.toContain('becomes its administrator');
  });

  it('a gateway started before by a version without the record is not greeted as new (its state.json says it ran)', async () => {
    const { dir, context, docker } = await gateway();
    await run(context(), { wait: true }, keyAction('created'));
    await rm(join(dir, FIRST_START_FILE)); // as an older ai-gateway left it: state.json, no marker
    docker.containers = []; // and stopped since, without `ai-gateway stop`
    const ctx = context();
    const result = await run(ctx, { wait: true }, keyAction('kept'));
    expect(result.firstStart).toBe(false);
    expect(existsSync(join(dir, FIRST_START_FILE))).toBe(true);
  });

  it('bound beyond loopback, it warns that anyone who can reach Open WebUI can claim the administrator account', async () => {
    const { context } = await gateway({ BIND_ADDRESS: '0.0.0.0' });
    const ctx = context();
    const result = await run(ctx, { wait: true }, keyAction('created'));
    expect(result.firstStart).toBe(true);
    const warning = ctx.captured.stderr.join('');
    expect(warning).toMatch(/Open WebUI is published on 0\.0\.0\.0: anyone who can reach http:\/\/\S+:53000\/ can create the first account and become its administrator/);
    expect(warning).toContain('ai-gateway setup --yes --bind 127.0.0.1');
  });

  it('a VIRTUAL_KEY replaced on a later start warns that a key saved in Open WebUI\'s Connections overrides the environment, and how to update it', async () => {
    const { context, docker } = await gateway();
    await run(context(), { wait: true }, keyAction('created'));
    for (const action of ['rotated', 'created'] as const) {
      docker.containers = []; // stopped meanwhile: the next start checks the key again
      const ctx = context();
      await run(ctx, { wait: true }, keyAction(action));
      const stderr = ctx.captured.stderr.join('');
      expect(stderr).toContain("Open WebUI's key (VIRTUAL_KEY in .env) changed");
      expect(stderr).toContain('(Admin Panel > Settings > Connections), Open WebUI keeps using the key saved in its database');
      expect(stderr).toContain('ai-gateway status -o env prints it as OPENAI_API_KEY');
    }
    docker.containers = [];
    const kept = context();
    await run(kept, { wait: true }, keyAction('kept'));
    expect(kept.captured.stderr.join('')).not.toContain('changed. If an admin');
  });

  it('stop keeps the record (Open WebUI keeps its users); stop --volumes forgets it, so the next start is a first one again', async () => {
    const { dir, context, docker } = await gateway();
    await run(context(), { wait: true }, keyAction('created'));
    await stop(context(), { volumes: false });
    expect(existsSync(join(dir, FIRST_START_FILE))).toBe(true);
    expect((await run(context(), { wait: true }, keyAction('kept'))).firstStart).toBe(false);
    await stop(createTestContext({ dir, docker, clock: fakeClock(), yes: true }), { volumes: true });
    expect(existsSync(join(dir, FIRST_START_FILE))).toBe(false);
    expect((await run(context(), { wait: true }, keyAction('created'))).firstStart).toBe(true);
  });

  it('every "Next:" command carries --dir, quoted for the shell, when the gateway is not the current directory', async () => {
    const dir = join(await tempDir(), "it's my gateway");
    const { context } = await gateway({}, { dir, cwd: '/somewhere/else' });
    const ctx = context();
    const result = await run(ctx, { wait: true }, keyAction('kept'));
    const quoted = `'${dir.replace(/'/g, `'\\''`)}'`;
    expect(result.next).toEqual([`ai-gateway status --dir ${quoted}`, `ai-gateway logs <service> --dir ${quoted}`, `ai-gateway stop --dir ${quoted}`]);
    expect(render(result, ctx.out.style)).toContain(`Next: "ai-gateway status --dir ${quoted}" for details`);
    // The shell reads the quoted path back as the directory.
    expect(execFileSync('sh', ['-c', `printf %s ${quoted}`], { encoding: 'utf8' })).toBe(dir);

    const here = await gateway();
    expect((await run(here.context(), { wait: true }, keyAction('kept'))).next).toEqual(['ai-gateway status', 'ai-gateway logs <service>', 'ai-gateway stop']);
  });
});
