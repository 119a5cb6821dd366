import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.js';
import { createTestContext, fakeClock } from '../../testing/context.js';
import { FakeDocker, fakeContainer } from '../../testing/fake-docker.js';
import { writeGatewayFixture } from '../../testing/gateway-fixture.js';
import { scriptedPrompts } from '../../testing/prompts.js';
import { render, run } from './stop.handler.js';

const running = () => ['postgres', 'litellm', 'open-webui', 'nginx'].map((s) => fakeContainer(s));
const VOLUMES = ['gw_open_webui_data', 'gw_postgres_data'];

async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('stop', () => {
  it('runs down, keeps every volume and says where the data is', async () => {
    const { dir } = await writeGatewayFixture();
    const docker = new FakeDocker({ containers: running(), volumes: [...VOLUMES] });
    const ctx = createTestContext({ dir, docker, clock: fakeClock() });
    const result = await run(ctx, { volumes: false });
    expect(docker.composeCalls()).toEqual([{ sub: 'down', args: ['--remove-orphans'] }]);
    expect(result).toMatchObject({ nothingRunning: false, deletedVolumes: [], keptVolumes: VOLUMES });
    expect(result.removedContainers).toHaveLength(4);
    const text = render(result, ctx.out.style);
    expect(text).toContain('Stopped gw: removed 4 container(s)');
    expect(text).toContain('Data kept in gw_open_webui_data, gw_postgres_data; "ai-gateway start" picks it up again ("ai-gateway stop --volumes" deletes it)');

    // From another directory, the commands carry --dir.
    const elsewhere = await run(createTestContext({ dir, cwd: '/elsewhere', docker: new FakeDocker({ containers: running(), volumes: [...VOLUMES] }), clock: fakeClock() }), { volumes: false });
    expect(render(elsewhere, ctx.out.style)).toContain(`"ai-gateway start --dir ${dir}" picks it up again ("ai-gateway stop --volumes --dir ${dir}" deletes it)`);
  });

  it('says so and succeeds when nothing is running', async () => {
    const { dir } = await writeGatewayFixture();
    const docker = new FakeDocker({ volumes: [...VOLUMES] });
    const ctx = createTestContext({ dir, docker, clock: fakeClock() });
    const result = await run(ctx, { volumes: false });
    expect(result.nothingRunning).toBe(true);
    expect(docker.composeCalls()).toEqual([]);
    expect(render(result, ctx.out.style)).toContain('Nothing to stop: no container of gw exists. Its data volumes are kept');
  });

  it('--volumes with --yes deletes the volumes and says which', async () => {
    const { dir } = await writeGatewayFixture();
    const docker = new FakeDocker({ containers: running(), volumes: [...VOLUMES, 'other_data'] });
    const ctx = createTestContext({ dir, docker, clock: fakeClock(), yes: true });
    const result = await run(ctx, { volumes: true });
    expect(docker.composeCalls()).toEqual([{ sub: 'down', args: ['--remove-orphans', '-v'] }]);
    expect(result.deletedVolumes).toEqual(VOLUMES);
    expect(render(result, ctx.out.style)).toContain('Deleted volumes: gw_open_webui_data, gw_postgres_data.');
  });

  it('--volumes asks to type the project name, and a wrong answer deletes nothing', async () => {
    const { dir } = await writeGatewayFixture();
    const docker = new FakeDocker({ containers: running(), volumes: [...VOLUMES] });
    const prompts = scriptedPrompts([{ id: 'stop.confirm-volumes', answer: 'yes', kind: 'input' }]);
    const ctx = createTestContext({ dir, docker, clock: fakeClock(), prompts });
    const error = await errorOf(run(ctx, { volumes: true }));
    expect(error.code).toBe('CANCELLED');
    expect(error.exitCode).toBe(130);
    expect(docker.composeCalls()).toEqual([]);
    expect(docker.volumes).toEqual(VOLUMES);
    expect(ctx.captured.all()).toContain('It cannot be undone');
  });

  it('--volumes deletes after the project name is typed', async () => {
    const { dir } = await writeGatewayFixture();
    const docker = new FakeDocker({ containers: running(), volumes: [...VOLUMES] });
    const prompts = scriptedPrompts([{ id: 'stop.confirm-volumes', answer: 'gw', kind: 'input' }]);
    const ctx = createTestContext({ dir, docker, clock: fakeClock(), prompts });
    const result = await run(ctx, { volumes: true });
    prompts.assertDone();
    expect(result.deletedVolumes).toEqual(VOLUMES);
  });

  it('--volumes without a terminal and without --yes names the flag', async () => {
    const { dir } = await writeGatewayFixture();
    const docker = new FakeDocker({ containers: running(), volumes: [...VOLUMES] });
    const error = await errorOf(run(createTestContext({ dir, docker, clock: fakeClock() }), { volumes: true }));
    expect(error.code).toBe('PROMPT_NEEDS_TTY');
    expect(error.hint).toContain('--yes');
    expect(docker.volumes).toEqual(VOLUMES);
  });
});
