// Every command of the key/models/openapi family, run through the real CLI entry (main) with
// captured stdout/stderr, in human, --json and --verbose modes, success and failure paths:
// the master key and salt key never appear, and a virtual key appears only in the output of the
// run that just created it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli.js';
import type { ProcessIo } from '../../core/context.js';
import { keysFixture, TEST_MASTER_KEY, TEST_SALT_KEY, type KeysFixture } from '../../testing/litellm.js';

let fx: KeysFixture;
beforeAll(async () => {
  fx = await keysFixture();
});
afterAll(() => fx.close());

interface Run {
  argv: string[];
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: ProcessIo = {
    env: { AI_GATEWAY_DIR: fx.dir, NO_COLOR: '1' },
    cwd: fx.dir,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdinIsTTY: false,
  };
  const code = await main(['node', 'ai-gateway', ...args], io);
  return { argv: args, code, stdout, stderr };
}

describe('no secret in output', () => {
  it('holds for every command, mode and error path', async () => {
    const runs: { run: Run; createdHere: string[] }[] = [];
    const allKeys = new Set<string>();
    const record = (run: Run, createdHere: string[] = []) => {
      runs.push({ run, createdHere });
      for (const k of createdHere) allKeys.add(k);
      return run;
    };

    const createJson = record(await cli('key', 'create', '--alias', 'first', '--models', 'gpt-4o-mini', '--json'));
    expect(createJson.code).toBe(0);
    const first = (JSON.parse(createJson.stdout) as { key: string }).key;
    runs.at(-1)?.createdHere.push(first);
    allKeys.add(first);

    const createHuman = await cli('key', 'create', '--alias', 'second', '--save', '--metadata', 'owner=me', '--verbose');
    expect(createHuman.code).toBe(0);
    const second = /^(sk-[A-Za-z0-9_-]{20,})$/m.exec(createHuman.stdout)?.[1] as string;
    expect(second).toBeDefined();
    record(createHuman, [second]);

    record(await cli('key', 'create', '--alias', 'first', '--json')); // duplicate: error document
    record(await cli('key', 'create', '--alias', 'first')); // duplicate: human error
    record(await cli('key', 'list'));
    record(await cli('key', 'list', '--json', '--verbose'));
    record(await cli('key', 'info', 'second'));
    record(await cli('key', 'info', first, '--json'));
    record(await cli('key', 'info', 'nobody'));
    record(await cli('models'));
    record(await cli('models', '--json', '--details'));
    record(await cli('models', '--master', '--verbose'));
    record(await cli('openapi'));
    record(await cli('openapi', '--json'));

    const rotate = await cli('key', 'rotate', 'second', '--json');
    expect(rotate.code).toBe(0);
    const rotated = (JSON.parse(rotate.stdout) as { key: string }).key;
    record(rotate, [rotated]);
    record(await cli('key', 'rotate', 'second')).code; // human rotate prints its own new key
    const humanRotated = /^(sk-[A-Za-z0-9_-]{20,})$/m.exec(runs.at(-1)?.run.stdout ?? '')?.[1] as string;
    runs.at(-1)?.createdHere.push(humanRotated);
    allKeys.add(humanRotated);

    record(await cli('key', 'revoke', 'first')); // no --yes and no TTY: refused, names --yes
    expect(runs.at(-1)?.run.code).toBe(2);
    expect(runs.at(-1)?.run.stderr).toContain('--yes');
    record(await cli('key', 'revoke', 'first', '--yes', '--json'));
    record(await cli('key', 'revoke', 'second', '--yes', '--verbose'));
    record(await cli('models')); // VIRTUAL_KEY was removed with "second": error naming key create

    for (const { run, createdHere } of runs) {
      const output = run.stdout + run.stderr;
      const label = run.argv.join(' ');
      expect(output, label).not.toContain(TEST_MASTER_KEY);
      expect(output, label).not.toContain(TEST_SALT_KEY);
      for (const key of allKeys) if (!createdHere.includes(key)) expect(output, `${label} leaks ${key.slice(0, 6)}`).not.toContain(key);
      for (const key of createdHere) expect(run.stdout.split(key).length - 1, `${label} prints its new key once`).toBe(1);
    }
    const codes = Object.fromEntries(runs.map(({ run }) => [run.argv.join(' '), run.code]));
    expect(codes['key create --alias first --json']).toBe(5);
    expect(codes['key info nobody']).toBe(5);
    expect(codes['key list']).toBe(0);
    expect(codes['openapi --json']).toBe(0);
    expect(codes['models']).toBe(2);
  });
});
