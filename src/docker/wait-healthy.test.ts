import { describe, expect, it } from 'vitest';
import { HealthError } from '../core/errors.js';
import { renderError } from '../core/handle-error.js';
import { createTestContext, fakeClock } from '../testing/context.js';
import { FakeDocker, fakeContainer, type FakeContainer } from '../testing/fake-docker.js';
import { parseInspect } from './containers.js';
import { inspectJson } from '../testing/fake-docker.js';
import { assess, waitForHealthy, type ReadinessProbe, type ReadinessResult } from './wait-healthy.js';

const SERVICES = ['postgres', 'litellm', 'open-webui', 'nginx'];

function healthyStack(): FakeContainer[] {
  return SERVICES.map((s) => fakeContainer(s));
}

function setup(containers: FakeContainer[] = []) {
  const clock = fakeClock();
  const docker = new FakeDocker({ containers });
  const ctx = createTestContext({ docker, clock });
  return { clock, docker, ctx };
}

const alwaysReady: ReadinessProbe = { service: 'litellm', check: async () => ({ state: 'ready', ready: true, detail: 'db connected' }) };

async function healthErrorOf(promise: Promise<unknown>): Promise<HealthError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HealthError);
  return error as HealthError;
}

describe('waitForHealthy', () => {
  it('returns on the first poll when everything is already healthy (no sleep at all)', async () => {
    const { ctx, clock } = setup(healthyStack());
    const before = clock.now();
    let checks = 0;
    const result = await waitForHealthy(ctx, {
      project: 'gw',
      services: SERVICES,
      timeoutMs: 180_000,
      readiness: { service: 'litellm', check: async () => (checks++, { state: 'ready', ready: true, detail: 'db connected' }) },
    });
    expect(result.polls).toBe(1);
    expect(clock.now()).toBe(before);
    expect(checks).toBe(1);
    expect(result.services.every((s) => s.ready)).toBe(true);
  });

  it('polls every 500 ms and returns on the poll where the last service turns healthy', async () => {
    const { ctx, docker, clock } = setup(SERVICES.map((s) => fakeContainer(s, { health: 'starting' })));
    const start = clock.now();
    docker.onPoll = (engine, poll) => {
      if (poll === 3) engine.containers[0]!.health = 'healthy';
      if (poll === 5) for (const c of engine.containers) c.health = 'healthy';
    };
    const seen: string[] = [];
    const result = await waitForHealthy(ctx, {
      project: 'gw',
      services: SERVICES,
      timeoutMs: 180_000,
      readiness: alwaysReady,
      onProgress: (services) => seen.push(services.map((s) => `${s.service}:${s.label}`).join(' ')),
    });
    expect(result.polls).toBe(5);
    expect(clock.now() - start).toBe(4 * 500);
    expect(seen[0]).toBe('postgres:starting litellm:starting open-webui:starting nginx:starting');
    expect(seen[2]).toContain('postgres:healthy');
  });

  it('looks again at once when docker reports a new container, instead of waiting a poll', async () => {
    const { ctx, docker, clock } = setup([fakeContainer('postgres')]);
    const start = clock.now();
    docker.onPoll = (engine, poll) => {
      if (poll === 2) engine.containers.push(fakeContainer('litellm', { health: undefined }));
    };
    const result = await waitForHealthy(ctx, { project: 'gw', services: ['postgres', 'litellm'], timeoutMs: 60_000 });
    expect(result.polls).toBe(3);
    expect(clock.now() - start).toBe(500); // without the event: the next listing would come at 1000 ms
    expect(docker.calls.filter((c) => c.args[0] === 'ps')).toHaveLength(2); // poll 2 only inspected what it knew
  });

  it('never polls less often than every 500 ms', async () => {
    const { ctx, docker, clock } = setup(SERVICES.map((s) => fakeContainer(s, { health: 'starting' })));
    const start = clock.now();
    docker.onPoll = (engine, poll) => {
      if (poll === 3) for (const c of engine.containers) c.health = 'healthy';
    };
    await waitForHealthy(ctx, { project: 'gw', services: SERVICES, timeoutMs: 60_000, intervalMs: 5_000, readiness: alwaysReady });
    expect(clock.now() - start).toBe(2 * 500);
  });

  it('waits for LiteLLM readiness (database connected) after its container is healthy', async () => {
    const { ctx } = setup(healthyStack());
    const answers: ReadinessResult[] = [
      { state: 'not-ready', ready: false, detail: 'HTTP 503' },
      { state: 'not-ready', ready: false, detail: 'database disconnected' },
      { state: 'ready', ready: true, detail: 'db connected' },
    ];
    const labels: string[] = [];
    const result = await waitForHealthy(ctx, {
      project: 'gw',
      services: SERVICES,
      timeoutMs: 60_000,
      readiness: { service: 'litellm', check: async () => answers.shift() ?? { state: 'ready', ready: true, detail: 'db connected' } },
      onProgress: (services) => labels.push(services.find((s) => s.service === 'litellm')?.label ?? ''),
    });
    expect(result.polls).toBe(3);
    expect(labels).toEqual(['waiting for database (HTTP 503)', 'waiting for database (database disconnected)', 'healthy']);
  });

  it('fails fast on an unhealthy service, naming it with its healthcheck, its last 30 log lines and the next commands', async () => {
    const logs = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`);
    const { ctx, docker, clock } = setup([fakeContainer('postgres'), fakeContainer('litellm', { health: 'starting', logs })]);
    const start = clock.now();
    docker.onPoll = (engine, poll) => {
      const litellm = engine.containers.find((c) => c.service === 'litellm');
      if (poll === 3 && litellm) Object.assign(litellm, { health: 'unhealthy', healthOutput: 'urlopen error [Errno 111] Connection refused' });
    };
    const error = await healthErrorOf(waitForHealthy(ctx, { project: 'gw', services: SERVICES, timeoutMs: 180_000, readiness: alwaysReady }));
    expect(clock.now() - start).toBe(1_000); // found on poll 3
    expect(error.code).toBe('SERVICE_UNHEALTHY');
    expect(error.exitCode).toBe(4);
    expect(error.message).toMatch(/^litellm is unhealthy \(healthcheck: urlopen error \[Errno 111\] Connection refused\)/);
    expect(error.message).toContain('Last 30 log lines of litellm');
    expect(error.message).toContain('line 40');
    expect(error.message).toContain('line 11');
    expect(error.message).not.toContain('line 10\n');
    expect(error.hint).toContain('ai-gateway logs litellm');
    expect(error.hint).toContain('ai-gateway start --timeout 360');
    expect(error.hint).toContain('kept');
    expect(error.details).toMatchObject({ service: 'litellm', health: 'unhealthy' });
  });

  it('fails fast on a container that exited, naming the exit code', async () => {
    const { ctx, docker } = setup([fakeContainer('postgres')]);
    docker.onPoll = (engine, poll) => {
      if (poll === 2) engine.containers.push(fakeContainer('litellm', { state: 'exited', health: undefined, exitCode: 3, logs: ['Error: boom'] }));
    };
    const error = await healthErrorOf(waitForHealthy(ctx, { project: 'gw', services: SERVICES, timeoutMs: 180_000 }));
    expect(error.code).toBe('SERVICE_EXITED');
    expect(error.message).toMatch(/^litellm exited with code 3\./);
    expect(error.message).toContain('│ Error: boom');
    expect(error.details).toMatchObject({ exitCode: 3 });
  });

  it('fails fast on a restart loop (the restart count grows)', async () => {
    const { ctx, docker } = setup([fakeContainer('postgres'), fakeContainer('litellm', { health: 'starting' })]);
    docker.onPoll = (engine, poll) => {
      const litellm = engine.containers.find((c) => c.service === 'litellm');
      if (poll === 2 && litellm) Object.assign(litellm, { restartCount: 1, exitCode: 1 });
    };
    const baseline = parseInspect(JSON.stringify(docker.containers.map(inspectJson)));
    const error = await healthErrorOf(waitForHealthy(ctx, { project: 'gw', services: SERVICES, timeoutMs: 180_000, baseline }));
    expect(error.code).toBe('SERVICE_RESTART_LOOP');
    expect(error.message).toContain('litellm crashed and was restarted 1 time (last exit code 1)');
  });

  it('fails a LiteLLM that accepts connections but never answers, after a minute, long before the timeout', async () => {
    const { ctx, clock } = setup([fakeContainer('postgres'), fakeContainer('litellm', { health: 'starting', logs: ['Uvicorn running on http://0.0.0.0:4000'] })]);
    const start = clock.now();
    let probes = 0;
    const silent: ReadinessProbe = {
      service: 'litellm',
      // Booting first (refused), then the port takes connections and answers nothing.
      check: async () => (++probes < 10 ? { state: 'unreachable', ready: false, detail: 'connection refused' } : { state: 'no-answer', ready: false, detail: 'no answer within 5 s' }),
    };
    const error = await healthErrorOf(waitForHealthy(ctx, { project: 'gw', services: ['postgres', 'litellm'], timeoutMs: 180_000, readiness: silent }));
    expect(error.code).toBe('SERVICE_NOT_ANSWERING');
    expect(error.message).toMatch(/^litellm accepts connections but has not answered HTTP for 6\d s \(no answer within 5 s\)/);
    expect(error.message).toContain('Uvicorn running');
    expect(clock.now() - start).toBeGreaterThanOrEqual(60_000);
    expect(clock.now() - start).toBeLessThan(65_000);
  });

  it('does not count a booting LiteLLM that refuses connections as wedged', async () => {
    const { ctx } = setup([fakeContainer('litellm', { health: 'starting' })]);
    const refusing: ReadinessProbe = { service: 'litellm', check: async () => ({ state: 'unreachable', ready: false, detail: 'connection refused' }) };
    const error = await healthErrorOf(waitForHealthy(ctx, { project: 'gw', services: ['litellm'], timeoutMs: 120_000, readiness: refusing }));
    expect(error.code).toBe('START_TIMEOUT');
  });

  it('names the exit code of the crash behind a restart, from the engine\'s die event', async () => {
    const { ctx, docker } = setup([fakeContainer('postgres'), fakeContainer('litellm', { health: 'starting' })]);
    const baseline = parseInspect(JSON.stringify(docker.containers.map(inspectJson)));
    docker.onPoll = (engine, poll) => {
      const litellm = engine.containers.find((c) => c.service === 'litellm');
      if (poll === 2 && litellm) engine.emitEvent(`die|${litellm.id}|3`);
      if (poll === 3 && litellm) Object.assign(litellm, { restartCount: 1, exitCode: 0 }); // running again: inspect says 0
    };
    const error = await healthErrorOf(waitForHealthy(ctx, { project: 'gw', services: SERVICES, timeoutMs: 180_000, baseline }));
    expect(error.message).toContain('litellm crashed and was restarted 1 time (last exit code 3)');
    expect(error.details).toMatchObject({ exitCode: 3 });
  });

  it('names an OOM kill behind a restart from the engine\'s oom event (Docker clears OOMKilled on restart)', async () => {
    const { ctx, docker } = setup([fakeContainer('postgres'), fakeContainer('litellm', { health: 'starting', memoryLimitBytes: 96 * 1024 * 1024 })]);
    const baseline = parseInspect(JSON.stringify(docker.containers.map(inspectJson)));
    docker.onPoll = (engine, poll) => {
      const litellm = engine.containers.find((c) => c.service === 'litellm');
      if (poll === 2 && litellm) {
        engine.emitEvent(`oom|${litellm.id}|`);
        engine.emitEvent(`die|${litellm.id}|137`);
      }
      if (poll === 3 && litellm) Object.assign(litellm, { restartCount: 1, exitCode: 0, oomKilled: false }); // running again
    };
    const advice = (service: string) => `more memory for ${service}`;
    const error = await healthErrorOf(waitForHealthy(ctx, { project: 'gw', services: SERVICES, timeoutMs: 180_000, baseline, oomAdvice: advice }));
    expect(error.code).toBe('SERVICE_OOM_KILLED');
    expect(error.message).toMatch(/^litellm was OOM-killed \(it used all of its 96 MB memory limit\); it crashed and was restarted 1 time/);
    expect(error.hint).toBe('more memory for litellm');
    expect(error.details).toMatchObject({ oomKilled: true, memoryLimitBytes: 96 * 1024 * 1024 });
  });

  it('a crash that was no OOM kill stays a crash', async () => {
    const { ctx } = setup([fakeContainer('postgres'), fakeContainer('litellm', { state: 'exited', exitCode: 137, oomKilled: false })]);
    const error = await healthErrorOf(waitForHealthy(ctx, { project: 'gw', services: SERVICES, timeoutMs: 180_000 }));
    expect(error.code).toBe('SERVICE_EXITED');
  });

  it('fails on a container that is restarting right now', async () => {
    const { ctx } = setup([fakeContainer('postgres'), fakeContainer('litellm', { state: 'restarting', exitCode: 137, restartCount: 4 })]);
    const error = await healthErrorOf(waitForHealthy(ctx, { project: 'gw', services: SERVICES, timeoutMs: 180_000 }));
    expect(error.code).toBe('SERVICE_RESTART_LOOP');
    expect(error.message).toContain('last exit code 137');
  });

  it('times out naming what is still not ready, with its logs', async () => {
    const { ctx, clock } = setup([fakeContainer('postgres'), fakeContainer('litellm', { health: 'starting', logs: ['migrating...'] })]);
    const start = clock.now();
    const error = await healthErrorOf(waitForHealthy(ctx, { project: 'gw', services: ['postgres', 'litellm', 'nginx'], timeoutMs: 10_000 }));
    expect(clock.now() - start).toBe(10_000);
    expect(error.code).toBe('START_TIMEOUT');
    expect(error.message).toMatch(/^Timed out after 10 s; still not ready: litellm \(starting\), nginx \(not created\)\./);
    expect(error.message).toContain('│ migrating...');
    expect(error.hint).toContain('ai-gateway start --timeout 20');
  });

  it('does not mistake an old exited container for a failure while compose up still runs', async () => {
    const stale = fakeContainer('postgres', { state: 'exited', exitCode: 0, health: undefined, finishedAt: '2026-01-01T00:05:00Z' });
    const { ctx, docker } = setup([stale]);
    const baseline = parseInspect(JSON.stringify([inspectJson(stale)]));
    let upDone = false;
    docker.onPoll = (engine, poll) => {
      if (poll === 3) {
        Object.assign(stale, { state: 'running', health: 'healthy', startedAt: '2026-01-01T00:06:00Z' });
        upDone = true;
      }
      void engine;
    };
    const result = await waitForHealthy(ctx, {
      project: 'gw',
      services: ['postgres'],
      timeoutMs: 60_000,
      baseline,
      up: { finished: () => upDone, failure: () => undefined },
    });
    expect(result.polls).toBe(4); // healthy at poll 3, proven by the first snapshot after up finished
  });

  it('does not trust healthy containers until compose up has finished (it may be replacing them)', async () => {
    const { ctx, docker } = setup(healthyStack());
    let upDone = false;
    docker.onPoll = (_engine, poll) => {
      if (poll === 4) upDone = true;
    };
    const result = await waitForHealthy(ctx, {
      project: 'gw',
      services: SERVICES,
      timeoutMs: 60_000,
      readiness: alwaysReady,
      up: { finished: () => upDone, failure: () => undefined },
    });
    expect(result.polls).toBe(5); // upDone is read before the snapshot of poll 5
  });

  it('does not mistake a container Compose stops to replace it for a crash', async () => {
    const old = fakeContainer('litellm', { startedAt: '2026-01-01T00:01:00Z' });
    const { ctx, docker } = setup([old]);
    const baseline = parseInspect(JSON.stringify([inspectJson(old)]));
    let upDone = false;
    docker.onPoll = (engine, poll) => {
      if (poll === 2) Object.assign(old, { state: 'exited', exitCode: 0, finishedAt: '2026-01-01T00:07:00Z' }); // SIGTERM by Compose
      if (poll === 3) {
        engine.containers = [fakeContainer('litellm', { created: '2026-01-01T00:07:01Z', startedAt: '2026-01-01T00:07:01Z' })];
        upDone = true;
      }
    };
    const result = await waitForHealthy(ctx, { project: 'gw', services: ['litellm'], timeoutMs: 60_000, baseline, up: { finished: () => upDone, failure: () => undefined } });
    expect(result.polls).toBe(4);
  });

  it('fails fast when an old stopped container that Compose started crashes', async () => {
    const stale = fakeContainer('litellm', { state: 'exited', exitCode: 0, health: undefined, startedAt: '2026-01-01T00:01:00Z' });
    const { ctx, docker } = setup([stale]);
    const baseline = parseInspect(JSON.stringify([inspectJson(stale)]));
    docker.onPoll = (_engine, poll) => {
      if (poll === 2) Object.assign(stale, { exitCode: 2, startedAt: '2026-01-01T00:08:00Z', finishedAt: '2026-01-01T00:08:02Z' });
    };
    const error = await healthErrorOf(waitForHealthy(ctx, { project: 'gw', services: ['litellm'], timeoutMs: 60_000, baseline, up: { finished: () => false, failure: () => undefined } }));
    expect(error.message).toMatch(/^litellm exited with code 2/);
  });

  it('reports the error of a failed compose up when no container explains it', async () => {
    const { ctx } = setup([]);
    const upError = new HealthError('DEPENDENCY_FAILED', 'compose said no');
    const error = await healthErrorOf(
      waitForHealthy(ctx, { project: 'gw', services: SERVICES, timeoutMs: 60_000, up: { finished: () => true, failure: () => upError } }),
    );
    expect(error).toBe(upError);
  });

  it('requires every expected service to exist once compose up has finished', async () => {
    const { ctx } = setup([fakeContainer('postgres')]);
    const error = await healthErrorOf(
      waitForHealthy(ctx, { project: 'gw', services: ['postgres', 'nginx'], timeoutMs: 60_000, up: { finished: () => true, failure: () => undefined } }),
    );
    expect(error.code).toBe('SERVICE_MISSING');
    expect(error.message).toContain('nginx');
  });

  it('masks secrets in the log lines it reports', async () => {
    const { ctx } = setup([fakeContainer('litellm', { state: 'exited', exitCode: 1, logs: ['connecting with sk-supersecretmasterkey123'] })]);
    ctx.out.addSecret('sk-supersecretmasterkey123');
    const error = await healthErrorOf(waitForHealthy(ctx, { project: 'gw', services: ['litellm'], timeoutMs: 60_000 }));
    expect(renderError(error, ctx.out, 'start')).toBe(4);
    expect(ctx.captured.all()).toContain('sk-…y123');
    expect(ctx.captured.all()).not.toContain('sk-supersecretmasterkey123');
  });
});

describe('assess', () => {
  const container = (overrides: Partial<FakeContainer>) => parseInspect(JSON.stringify([inspectJson(fakeContainer('litellm', overrides))]))[0];

  it('a running container without a healthcheck is ready', () => {
    expect(assess(container({ health: undefined }), undefined, false)).toEqual({ kind: 'ready', label: 'running' });
  });

  it('created and starting are pending', () => {
    expect(assess(container({ state: 'created', health: undefined }), undefined, false).kind).toBe('pending');
    expect(assess(container({ health: 'starting' }), undefined, false).kind).toBe('pending');
  });

  it('paused and dead are failures', () => {
    expect(assess(container({ state: 'paused' }), undefined, true).kind).toBe('failed');
    expect(assess(container({ state: 'dead', health: undefined }), undefined, true).kind).toBe('failed');
  });
});
