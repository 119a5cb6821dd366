import { describe, expect, it } from 'vitest';
import { colorEnabled, type ProcessIo } from './context.js';
import { maskSecret, Output, table } from './output.js';

function capture(json = false) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = new Output({ json, color: false, verbose: true, stdout: { write: (s: string) => stdout.push(s) }, stderr: { write: (s: string) => stderr.push(s) }, spinners: false });
  return { out, stdout, stderr };
}

describe('Output', () => {
  it('masks registered secrets everywhere it writes', async () => {
    const { out, stdout, stderr } = capture();
    const secret = 'sk-MASTERmasterMASTERmaster1234';
    out.addSecret(secret);
    out.info(`key is ${secret}`);
    out.warn(`again ${secret}`);
    out.debug(secret);
    out.result('x', { value: secret }, (d: { value: string }) => d.value);
    const spin = await out.spinner(`waiting ${secret}`);
    spin.succeed(`done ${secret}`);
    const all = [...stdout, ...stderr].join('');
    expect(all).not.toContain(secret);
    expect(all).toContain('sk-…1234');
  });

  it('writes exactly one JSON document on stdout in --json mode, progress suppressed', () => {
    const { out, stdout, stderr } = capture(true);
    out.step('working');
    out.info('info');
    out.warn('careful');
    out.result('status', { services: [] }, () => 'human');
    expect(stdout).toHaveLength(1);
    const doc = JSON.parse(stdout[0] ?? '') as Record<string, unknown>;
    expect(doc).toEqual({ schemaVersion: 1, command: 'status', ok: true, services: [], warnings: ['careful'] });
    expect(stderr.join('')).toBe('warning: careful\n');
  });

  it('ignores very short "secrets" that would mask noise', () => {
    const { out, stdout } = capture();
    out.addSecret('abc');
    out.result('x', {}, () => 'abc');
    expect(stdout.join('')).toBe('abc\n');
  });

  it('masks keys recognisably', () => {
    expect(maskSecret('sk-abcdefghijklmnop')).toBe('sk-…mnop');
    expect(maskSecret('short')).toBe('****');
  });

  it('aligns tables', () => {
    expect(table(['A', 'BB'], [['xxx', 'y'], ['z', 'wwww']])).toBe('A    BB\nxxx  y\nz    wwww');
  });
});

describe('colour', () => {
  const io = (env: Record<string, string>, isTTY: boolean) => ({ env, stderr: { write: () => true, isTTY } }) as unknown as ProcessIo;

  it('on a TTY by default; off without one, with TERM=dumb, NO_COLOR, --no-color or --json; FORCE_COLOR decides over the TTY', () => {
    expect(colorEnabled({}, io({}, true))).toBe(true);
    expect(colorEnabled({}, io({}, false))).toBe(false);
    expect(colorEnabled({}, io({ TERM: 'dumb' }, true))).toBe(false);
    expect(colorEnabled({}, io({ NO_COLOR: '1' }, true))).toBe(false);
    expect(colorEnabled({}, io({ NO_COLOR: '' }, true))).toBe(true); // an empty NO_COLOR is unset (no-color.org)
    expect(colorEnabled({ color: false }, io({ FORCE_COLOR: '1' }, true))).toBe(false);
    expect(colorEnabled({ json: true }, io({ FORCE_COLOR: '1' }, true))).toBe(false);
    expect(colorEnabled({}, io({ NO_COLOR: '1', FORCE_COLOR: '1' }, true))).toBe(false);
    for (const force of ['1', '2', '3', 'true', '']) expect(colorEnabled({}, io({ FORCE_COLOR: force }, false)), force).toBe(true);
    for (const force of ['0', 'false']) expect(colorEnabled({}, io({ FORCE_COLOR: force }, true)), force).toBe(false);
  });

  it('styles with ANSI codes when colour is on, whatever process.stdout is; plain text when off', () => {
    const lines = (color: boolean) => {
      const stderr: string[] = [];
      const out = new Output({ json: false, color, verbose: false, stdout: { write: () => true }, stderr: { write: (s: string) => stderr.push(s) }, spinners: false });
      out.warn('careful');
      out.success('done');
      return stderr.join('');
    };
    expect(lines(true)).toBe('\u001b[33m!\u001b[39m careful\n\u001b[32m✔\u001b[39m done\n');
    expect(lines(false)).toBe('! careful\n✔ done\n');
  });
});
