import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.js';
import { Output } from '../../core/output.js';
import { createTestContext, fakeClock } from '../../testing/context.js';
import { FakeDocker, fakeContainer } from '../../testing/fake-docker.js';
import { writeGatewayFixture } from '../../testing/gateway-fixture.js';
import { lineSink, optionsSchema, run } from './logs.handler.js';

const SECRET = 'sk-master0123456789abcdefghij';

async function setup(docker: FakeDocker) {
  const { dir } = await writeGatewayFixture();
  const ctx = createTestContext({ dir, docker, clock: fakeClock() });
  ctx.out.addSecret(SECRET);
  return ctx;
}

async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('logs', () => {
  it('streams compose logs for the named services with the flags passed through, masking secrets split across chunks', async () => {
    const docker = new FakeDocker({ compose: { kind: 'plugin', version: '2.29.1' }, containers: [fakeContainer('litellm'), fakeContainer('nginx')] });
    docker.onCompose = (sub, _args, _engine, options) => {
      if (sub !== 'logs') return undefined;
      options.onStdout?.('litellm-1  | key is sk-master01234');
      options.onStdout?.('56789abcdefghij\nlitellm-1  | second line\n');
      return { stdout: '', stderr: '', exitCode: 0 };
    };
    const ctx = await setup(docker);
    const options = optionsSchema.parse({ args: [['litellm']], follow: true, tail: '50', since: '10m', timestamps: true });
    await run(ctx, options);
    expect(docker.composeCalls()).toEqual([{ sub: 'logs', args: ['--no-color', '--follow', '--tail', '50', '--since', '10m', '--timestamps', 'litellm'] }]);
    const printed = ctx.captured.stdout.join('');
    expect(printed).toBe('litellm-1  | key is sk-…ghij\nlitellm-1  | second line\n');
  });

  it('uses docker logs per container for --since on Compose v1 (which has no --since)', async () => {
    const docker = new FakeDocker({ containers: [fakeContainer('postgres', { logs: ['ready to accept connections'] }), fakeContainer('litellm', { logs: ['Uvicorn running'] })] });
    const ctx = await setup(docker);
    await run(ctx, optionsSchema.parse({ args: [], since: '2026-01-01T00:00:00' }));
    expect(docker.composeCalls()).toEqual([]);
    const logCalls = docker.calls.filter((c) => c.args[0] === 'logs').map((c) => c.args.slice(0, 3));
    expect(logCalls).toEqual([
      ['logs', '--since', '2026-01-01T00:00:00'],
      ['logs', '--since', '2026-01-01T00:00:00'],
    ]);
    const printed = ctx.captured.stdout.join('');
    expect(printed).toContain('postgres | ready to accept connections\n');
    expect(printed).toContain('litellm  | Uvicorn running\n');
  });

  it('names the known services when asked for an unknown one', async () => {
    const ctx = await setup(new FakeDocker());
    const error = await errorOf(run(ctx, optionsSchema.parse({ args: [['litelm']] })));
    expect(error.code).toBe('UNKNOWN_SERVICE');
    expect(error.exitCode).toBe(2);
    expect(error.hint).toBe('The services are: postgres, litellm, open-webui, nginx.');
  });

  it('--json returns the lines in the document; --follow with --json is refused', async () => {
    const docker = new FakeDocker({ containers: [fakeContainer('litellm')] });
    docker.onCompose = (sub, _args, _engine, options) => {
      if (sub !== 'logs') return undefined;
      options.onStdout?.('a\nb\n');
      return { stdout: '', stderr: '', exitCode: 0 };
    };
    const { dir } = await writeGatewayFixture();
    const out = new Output({ json: true, color: false, verbose: false, stdout: { write: () => {} }, stderr: { write: () => {} }, spinners: false });
    const ctx = createTestContext({ dir, docker, out, clock: fakeClock() });
    expect((await run(ctx, optionsSchema.parse({}))).lines).toEqual(['a', 'b']);
    expect((await errorOf(run(ctx, optionsSchema.parse({ follow: true })))).code).toBe('FOLLOW_WITH_JSON');
  });

  it('rejects a --since that is neither a time nor a duration', () => {
    expect(() => optionsSchema.parse({ since: 'yesterday; rm -rf' })).toThrow(/--since/);
  });
});

describe('lineSink', () => {
  it('emits whole lines only and flushes the rest at the end', () => {
    const lines: string[] = [];
    const sink = lineSink((l) => lines.push(l));
    sink.write('ab');
    sink.write('c\r\nde');
    expect(lines).toEqual(['abc']);
    sink.end();
    expect(lines).toEqual(['abc', 'de']);
  });
});
