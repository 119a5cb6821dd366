/**
 * Secrets never leak, on a real stack. Recognisable master and salt keys are supplied at setup
 * (AI_GATEWAY_MASTER_KEY / AI_GATEWAY_SALT_KEY); then EVERY command runs, in human and --json
 * mode (and --verbose, which logs every docker command), with `docker` and `docker-compose`
 * wrapped by PATH shims that record the arguments of every child process. We scan:
 *   stdout, stderr and --json output of every command; the shims' argument log; `docker inspect`
 *   of every container's command line (Path, Args, Cmd, Entrypoint, Healthcheck; not Env).
 * The master and salt keys appear nowhere. A virtual key appears only where it is created
 * (`key create`, `key rotate`) or explicitly asked for (`status -o env`).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestImages } from '../testbed/images.mjs';
import { describeResult, destroyStack, docker, engineOrSkipReason, projectContainerIds, readEnv, testImages, type CliResult } from '../e2e/helpers.js';
import { run } from '../testbed/engine.mjs';
import { MOCK_MODEL, setupStack, type TestStack } from './stack.js';
import { recordFigures } from './figures.js';

const skipReason = await engineOrSkipReason('reliability/secrets.e2e');
const describeEngine = skipReason === null ? describe : describe.skip;

const MASTER = `sk-MASTERCANARY${randomBytes(12).toString('hex')}`;
const SALT = `sk-SALTCANARY${randomBytes(12).toString('hex')}`;

interface Recorded {
  label: string;
  result: CliResult;
  /** Virtual keys this command may print (it created them, or was asked for them). */
  mayShow: string[];
}

describeEngine('no secret in any output, argument list or container command line', () => {
  let images: TestImages;
  let stack: TestStack;
  let shimLog = '';
  let shimEnv: Record<string, string> = {};
  const recorded: Recorded[] = [];
  const createdKeys: string[] = [];
  let openWebuiKey = '';
  let inspected = '';
  /** The scans below mean something only when every command ran. */
  let everyCommandRan = false;

  async function record(label: string, args: string[], options: { mayShow?: (r: CliResult) => string[]; expectExit?: number; env?: Record<string, string> } = {}): Promise<CliResult> {
    const result = await stack.run(args, { ...shimEnv, ...options.env });
    expect(result.exitCode, `${label}: ${describeResult(result)}`).toBe(options.expectExit ?? 0);
    recorded.push({ label, result, mayShow: options.mayShow?.(result) ?? [] });
    return result;
  }

  beforeAll(async () => {
    images = await testImages();
    // PATH shims: log every docker / docker-compose argument list, then run the real program.
    const shims = await mkdtemp(join(tmpdir(), 'aigw-shims-'));
    shimLog = join(shims, 'argv.log');
    await writeFile(shimLog, '');
    for (const program of ['docker', 'docker-compose']) {
      const real = (await run('sh', ['-c', `command -v ${program}`])).stdout.trim();
      if (!real) throw new Error(`${program} is not installed`);
      await writeFile(join(shims, program), `#!/bin/sh\nprintf '%s' "${program}" >> "$AIGW_SHIM_LOG"\nfor a in "$@"; do printf ' %s' "$a" >> "$AIGW_SHIM_LOG"; done\nprintf '\\n' >> "$AIGW_SHIM_LOG"\nexec ${real} "$@"\n`);
      await chmod(join(shims, program), 0o755);
    }
    shimEnv = { PATH: `${shims}:${process.env.PATH ?? ''}`, AIGW_SHIM_LOG: shimLog };
    stack = await setupStack(images, { env: { AI_GATEWAY_MASTER_KEY: MASTER, AI_GATEWAY_SALT_KEY: SALT } });
    const env = await readEnv(stack.dir);
    expect(env.get('LITELLM_MASTER_KEY')).toBe(MASTER);
    expect(env.get('LITELLM_SALT_KEY')).toBe(SALT);
  });

  afterAll(async () => {
    if (stack) await destroyStack(stack.dir, stack.project);
  });

  it('runs every command with the shims in place', async () => {
    await record('setup (reuse, human)', ['setup', '--yes']);
    await record('setup --json --dry-run', ['setup', '--yes', '--dry-run', '--json']);
    await record('start --verbose', ['start', '--verbose', '--timeout', '400']);
    openWebuiKey = (await readEnv(stack.dir)).get('VIRTUAL_KEY') ?? '';
    expect(openWebuiKey).toMatch(/^sk-/);
    await record('start --json (already running)', ['start', '--json']);
    await record('status', ['status']);
    await record('status --json --verbose', ['status', '--json', '--verbose']);
    await record('status -o env', ['status', '-o', 'env'], { mayShow: () => [openWebuiKey] });
    await record('logs', ['logs', '--tail', '100']);
    await record('logs --json', ['logs', 'litellm', '--tail', '100', '--json']);
    const one = await record('key create --json', ['key', 'create', '--alias', 'canary', '--json'], { mayShow: (r) => [(JSON.parse(r.stdout) as { key: string }).key] });
    createdKeys.push((JSON.parse(one.stdout) as { key: string }).key);
    const two = await record('key create (human) --verbose', ['key', 'create', '--alias', 'canary-two', '--verbose'], { mayShow: (r) => [/sk-[A-Za-z0-9_-]{20,}/.exec(r.stdout)?.[0] ?? ''] });
    const humanKey = /sk-[A-Za-z0-9_-]{20,}/.exec(two.stdout)?.[0];
    expect(humanKey, 'key create prints the new key once').toBeTruthy();
    createdKeys.push(humanKey as string);
    await record('key list', ['key', 'list']);
    await record('key list --json --verbose', ['key', 'list', '--json', '--verbose']);
    await record('key info', ['key', 'info', 'canary']);
    await record('key info --json', ['key', 'info', 'canary', '--json']);
    const rotated = await record('key rotate --json', ['key', 'rotate', 'canary', '--json'], { mayShow: (r) => [(JSON.parse(r.stdout) as { key: string }).key] });
    createdKeys.push((JSON.parse(rotated.stdout) as { key: string }).key);
    await record('key revoke --verbose', ['key', 'revoke', 'canary-two', '--yes', '--verbose']);
    await record('models', ['models']);
    await record('models --master --details --json', ['models', '--master', '--details', '--json']);
    await record('openapi --json', ['openapi', '--json']);
    await record('doctor --verbose', ['doctor', '--verbose']);
    await record('doctor --json', ['doctor', '--json']);
    await record('smoke --verbose', ['smoke', '--verbose', '--model', MOCK_MODEL]);
    await record('smoke --json', ['smoke', '--json', '--model', MOCK_MODEL]);
    await record('key list with the master key in AI_GATEWAY_API_KEY', ['key', 'list', '--json'], { env: { AI_GATEWAY_API_KEY: MASTER } });
    // The containers' command lines, while they run (not Env: that is where secrets belong).
    const ids = await projectContainerIds(stack.project);
    expect(ids.length).toBe(4);
    inspected = await docker('inspect', '--format', '{{json .Path}} {{json .Args}} {{json .Config.Cmd}} {{json .Config.Entrypoint}} {{json .Config.Healthcheck}}', ...ids);
    await record('stop', ['stop']);
    await record('status (stopped) --json', ['status', '--json']);
    expect(recorded.length).toBeGreaterThanOrEqual(25);
    everyCommandRan = true;
  });

  it('the master and salt keys appear in no output, child-process argument list or container command line', async () => {
    expect(everyCommandRan, 'the commands above did not all run').toBe(true);
    const argv = await readFile(shimLog, 'utf8');
    expect(argv.split('\n').filter(Boolean).length, 'the shims saw the docker calls').toBeGreaterThan(20);
    expect(argv).toContain('docker-compose'); // Compose went through the shim too
    for (const secret of [MASTER, SALT]) {
      for (const r of recorded) {
        expect(r.result.stdout, `${r.label} stdout`).not.toContain(secret);
        expect(r.result.stderr, `${r.label} stderr`).not.toContain(secret);
      }
      expect(argv, 'child-process arguments').not.toContain(secret);
      expect(inspected, 'container command lines').not.toContain(secret);
    }
    // Not even a recognisable piece of them.
    for (const marker of ['MASTERCANARY', 'SALTCANARY']) {
      expect(recorded.map((r) => r.result.stdout + r.result.stderr).join('\n')).not.toContain(marker);
      expect(argv).not.toContain(marker);
    }
    await recordFigures('secrets', import.meta.filename, { runs: recorded.length, secretsFound: 0 });
  });

  it('a virtual key appears only where it was created or asked for', async () => {
    expect(everyCommandRan, 'the commands above did not all run').toBe(true);
    const argv = await readFile(shimLog, 'utf8');
    const keys = [openWebuiKey, ...createdKeys];
    for (const key of keys) {
      for (const r of recorded) {
        const allowed = r.mayShow.includes(key);
        if (allowed) continue;
        expect(r.result.stdout, `${r.label} stdout shows a virtual key`).not.toContain(key);
        expect(r.result.stderr, `${r.label} stderr shows a virtual key`).not.toContain(key);
      }
      expect(argv, 'child-process arguments').not.toContain(key);
      expect(inspected, 'container command lines').not.toContain(key);
    }
    // Where it is allowed, it is there (the test is not vacuous).
    expect(recorded.find((r) => r.label === 'status -o env')?.result.stdout).toContain(`OPENAI_API_KEY='${openWebuiKey}'`);
    expect(recorded.find((r) => r.label === 'key create --json')?.result.stdout).toContain(createdKeys[0]);
  });
});
