// runProcess with real child processes (Node itself as the program): output, exit codes, a missing
// program, timeouts and cancellation that kill, files as stdin and stdout, streamed output.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../testing/context.js';
import { runProcess } from './process.js';

const env = { PATH: process.env.PATH ?? '' };
const node = (script: string) => ['-e', script];

describe('runProcess', () => {
  it('collects stdout and stderr without their final newline, and the exit code', async () => {
    const result = await runProcess(process.execPath, node('console.log("out\\nline"); console.error("err"); process.exit(3)'), { env });
    expect(result).toEqual({ stdout: 'out\nline', stderr: 'err', exitCode: 3 });
  });

  it('passes only the environment it is given, and the working directory', async () => {
    const dir = await tempDir('aigw-process-');
    const result = await runProcess(process.execPath, node('console.log(process.env.ONLY, process.env.HOME === undefined, process.cwd())'), { env: { ...env, ONLY: 'yes' }, cwd: dir });
    expect(result.stdout).toBe(`yes true ${dir}`);
  });

  it('a program that is not installed: notFound, exit -1, never a throw', async () => {
    const result = await runProcess('ai-gateway-no-such-program', [], { env });
    expect(result).toMatchObject({ exitCode: -1, notFound: true });
    expect(result.stderr).toContain('ENOENT');
  });

  it('a timeout kills the child and says so', async () => {
    const started = Date.now();
    const result = await runProcess(process.execPath, node('setTimeout(() => {}, 60000)'), { env, timeoutMs: 200 });
    expect(result).toMatchObject({ exitCode: -1, timedOut: true });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a child that ignores SIGTERM is killed after the grace period', { timeout: 15_000 }, async () => {
    const result = await runProcess(process.execPath, node('process.on("SIGTERM", () => {}); console.log("ready"); setTimeout(() => {}, 60000)'), { env, timeoutMs: 300 });
    expect(result).toMatchObject({ exitCode: -1, timedOut: true });
  });

  it('an abort kills the child (cancelled); an already aborted signal starts nothing', async () => {
    const controller = new AbortController();
    const running = runProcess(process.execPath, node('setTimeout(() => {}, 60000)'), { env, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect(await running).toMatchObject({ exitCode: -1, cancelled: true });
    expect(await runProcess('ai-gateway-no-such-program', [], { env, signal: AbortSignal.abort() })).toEqual({ stdout: '', stderr: '', exitCode: -1, cancelled: true });
  });

  it('input goes to stdin; a child that never reads it is no error', async () => {
    expect((await runProcess(process.execPath, node('process.stdin.pipe(process.stdout)'), { env, input: 'hello' })).stdout).toBe('hello');
    expect((await runProcess(process.execPath, node('process.exit(0)'), { env, input: 'x'.repeat(1 << 20) })).exitCode).toBe(0);
  });

  it('files as stdin and stdout are binary-safe; stdout is appended', async () => {
    const dir = await tempDir('aigw-process-');
    const bytes = Buffer.from([0, 255, 10, 13, 0xc3, 0x28, 1, 2, 3]);
    await writeFile(join(dir, 'in'), bytes);
    await writeFile(join(dir, 'out'), 'head:');
    const result = await runProcess(process.execPath, node('process.stdin.pipe(process.stdout)'), { env, stdinFile: join(dir, 'in'), stdoutFile: join(dir, 'out') });
    expect(result).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expect(await readFile(join(dir, 'out'))).toEqual(Buffer.concat([Buffer.from('head:'), bytes]));
  });

  it('streams output to callbacks as it arrives (and keeps none of it); multi-byte characters stay whole', async () => {
    const chunks: string[] = [];
    const script = 'const b = Buffer.from("é€"); process.stdout.write(b.subarray(0, 1)); setTimeout(() => { process.stdout.write(b.subarray(1)); console.error("e"); }, 50)';
    let stderr = '';
    const result = await runProcess(process.execPath, node(script), { env, onStdout: (c) => chunks.push(c), onStderr: (c) => (stderr += c) });
    expect(chunks.join('')).toBe('é€');
    expect(chunks.every((c) => !c.includes('\uFFFD'))).toBe(true);
    expect(stderr).toBe('e\n');
    expect(result).toEqual({ stdout: '', stderr: '', exitCode: 0 });
  });

  it('pipes stdout into a stream (binary-safe, not kept) and reports a failed write as exit -1', async () => {
    const { PassThrough, Writable } = await import('node:stream');
    const sink = new PassThrough();
    const got: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => got.push(chunk));
    const result = await runProcess(process.execPath, node('process.stdout.write(Buffer.from([0, 255, 1, 2]))'), { env, stdoutStream: sink });
    expect(result).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expect(Buffer.concat(got)).toEqual(Buffer.from([0, 255, 1, 2]));
    const full = new Writable({ write: (_chunk, _enc, done) => done(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })) });
    const failed = await runProcess(process.execPath, node('process.stdout.write("x".repeat(1 << 16))'), { env, stdoutStream: full });
    expect(failed.exitCode).toBe(-1);
    expect(failed.stderr).toContain('writing the output failed: ENOSPC');
  });

  it('a file that cannot be opened is a failed run (exit -1, the reason in stderr), not a throw', async () => {
    const result = await runProcess(process.execPath, node('0'), { env, stdinFile: '/nonexistent/aigw-input' });
    expect(result.exitCode).toBe(-1);
    expect(result.stderr).toContain('ENOENT');
  });
});
