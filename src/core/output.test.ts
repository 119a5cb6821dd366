import { describe, expect, it } from 'vitest';
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
