import { describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import { EnvFile, formatValue } from './env-file.js';

describe('EnvFile', () => {
  const text = [
    '# my gateway',
    'LITELLM_MASTER_KEY=sk-abc',
    '',
    '# added by me',
    'export MY_TOOL_TOKEN="hello world"',
    "QUOTED='single # not a comment'",
    'INLINE=value # a comment',
    'EMPTY=',
  ].join('\n');

  it('reads keys the way dotenv and Compose do', () => {
    const env = EnvFile.parse(text);
    expect(env.get('LITELLM_MASTER_KEY')).toBe('sk-abc');
    expect(env.get('MY_TOOL_TOKEN')).toBe('hello world');
    expect(env.get('QUOTED')).toBe('single # not a comment');
    expect(env.get('INLINE')).toBe('value');
    expect(env.get('EMPTY')).toBe('');
    expect(env.get('MISSING')).toBeUndefined();
  });

  it('round-trips untouched text exactly', () => {
    expect(EnvFile.parse(text).toString()).toBe(`${text}\n`);
  });

  it('changes a key in place and keeps comments, order and unknown keys', () => {
    const env = EnvFile.parse(text);
    env.set('LITELLM_MASTER_KEY', 'sk-new');
    const lines = env.toString().split('\n');
    expect(lines[0]).toBe('# my gateway');
    expect(lines[1]).toBe('LITELLM_MASTER_KEY=sk-new');
    expect(lines[4]).toBe('export MY_TOOL_TOKEN="hello world"');
  });

  it('keeps the export prefix of a changed key', () => {
    const env = EnvFile.parse('export A=1\n');
    env.set('A', '2');
    expect(env.toString()).toBe('export A=2\n');
  });

  it('appends a new key under its comment block once', () => {
    const env = EnvFile.parse('A=1\n');
    env.set('VIRTUAL_KEY', 'sk-v', ['Virtual key used by Open WebUI']);
    expect(env.toString()).toBe('A=1\n\n# Virtual key used by Open WebUI\nVIRTUAL_KEY=sk-v\n');
    env.delete('VIRTUAL_KEY');
    env.set('VIRTUAL_KEY', 'sk-w', ['Virtual key used by Open WebUI']);
    expect(env.toString().match(/# Virtual key/g)).toHaveLength(1);
  });

  it('changes the last of duplicate assignments (the one that counts), keeps the others and names them', () => {
    const env = EnvFile.parse('A=1\nB=2\nA=3\n');
    expect(env.get('A')).toBe('3');
    expect(env.duplicateKeys()).toEqual([{ key: 'A', lines: [1, 3] }]);
    env.set('A', '4');
    expect(env.toString()).toBe('A=1\nB=2\nA=4\n');
  });

  it('leaves the file untouched when a value does not change', () => {
    const original = 'A="1"\n';
    const env = EnvFile.parse(original);
    env.set('A', '1');
    expect(env.toString()).toBe(original);
  });

  it('names the line number of a line it cannot parse, without echoing the whole line', () => {
    const bad = 'A=1\nthis is not an assignment with sk-secretsecretsecret\n';
    try {
      EnvFile.parse(bad, '/gw/.env');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      const e = error as UserError;
      expect(e.code).toBe('ENV_PARSE_ERROR');
      expect(e.message).toContain('/gw/.env line 2');
      expect(e.message).not.toContain('sk-secretsecretsecret');
      expect(e.details).toMatchObject({ line: 2 });
    }
  });

  it('rejects an unterminated quote with its line number', () => {
    expect(() => EnvFile.parse('A=1\nB="open\n')).toThrow(/line 2: the value of B has an unterminated quote/);
  });

  it('handles CRLF files', () => {
    expect(EnvFile.parse('A=1\r\nB=2\r\n').get('B')).toBe('2');
  });

  it('quotes values only when it must', () => {
    expect(formatValue('sk-Abc_123')).toBe('sk-Abc_123');
    expect(formatValue('http://host.docker.internal:11434')).toBe('http://host.docker.internal:11434');
    expect(formatValue('has space')).toBe("'has space'");
    expect(formatValue("it's")).toBe('"it\'s"');
    for (const value of ['has space', "it's", 'a"b', 'x#y', 'dollar$sign']) {
      const env = EnvFile.empty();
      env.set('K', value);
      expect(EnvFile.parse(env.toString()).get('K')).toBe(value);
    }
  });
});
