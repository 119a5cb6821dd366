import { describe, expect, it } from 'vitest';
import { maskEnvText } from './files.js';
import { unifiedDiff } from './diff.js';

describe('unifiedDiff', () => {
  it('is empty for identical texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', 'f')).toBe('');
  });

  it('shows a new file as all additions from /dev/null', () => {
    expect(unifiedDiff(null, 'x\ny\n', 'new.txt')).toBe('--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+x\n+y');
  });

  it('shows changes with three lines of context, merging hunks whose context touches (like diff -u)', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].join('\n');
    const after = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10', '11'].join('\n');
    expect(unifiedDiff(before, after, 'n')).toBe(['--- a/n', '+++ b/n', '@@ -2,9 +2,10 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', ' 9', ' 10', '+11'].join('\n'));
  });

  it('keeps distant changes in separate hunks with their own ranges', () => {
    const lines = Array.from({ length: 20 }, (_, i) => String(i + 1));
    const after = [...lines];
    after[1] = 'two';
    after[17] = 'eighteen';
    expect(unifiedDiff(lines.join('\n'), after.join('\n'), 'f')).toBe(
      ['--- a/f', '+++ b/f', '@@ -1,5 +1,5 @@', ' 1', '-2', '+two', ' 3', ' 4', ' 5', '@@ -15,6 +15,6 @@', ' 15', ' 16', ' 17', '-18', '+eighteen', ' 19', ' 20'].join('\n'),
    );
  });
});

describe('maskEnvText', () => {
  it('masks only the values of secret keys', () => {
    const text = 'LITELLM_MASTER_KEY=sk-abcdefghijklmnopqrstuvwxyz\nUSE_NGINX=yes\nexport POSTGRES_PASSWORD="p4ssw0rdp4ssw0rd"\nUI_PASSWORD=\n';
    expect(maskEnvText(text, new Set(['LITELLM_MASTER_KEY', 'POSTGRES_PASSWORD', 'UI_PASSWORD']))).toBe(
      'LITELLM_MASTER_KEY=sk-…wxyz\nUSE_NGINX=yes\nexport POSTGRES_PASSWORD=p4…w0rd\nUI_PASSWORD=\n',
    );
  });
});

describe('unifiedDiff on large files', () => {
  it('a 30,000-line file with a few changes: only those hunks (Myers, not a quadratic table)', () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `USER_SETTING_${i}=value-${i}`);
    const after = [...lines];
    after[10] = 'USER_SETTING_10=changed';
    after.push('LITELLM_PORT=4000');
    const diff = unifiedDiff(`${lines.join('\n')}\n`, `${after.join('\n')}\n`, '.env');
    expect(diff.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual(['-USER_SETTING_10=value-10', '+USER_SETTING_10=changed', '+LITELLM_PORT=4000']);
    expect(diff).toContain('@@ -8,7 +8,7 @@');
    expect(diff).toContain('@@ -29998,3 +29998,4 @@');
  });

  it('a change too large to diff line by line: the old file removed, the new one added', () => {
    const before = Array.from({ length: 12_000 }, (_, i) => `A${i}`).join('\n');
    const after = Array.from({ length: 12_000 }, (_, i) => `B${i}`).join('\n');
    const diff = unifiedDiff(before, after, 'big').split('\n');
    expect(diff.slice(0, 3)).toEqual(['--- a/big', '+++ b/big', '@@ -1,12000 +1,12000 @@']);
    expect(diff.filter((l) => l.startsWith('-A'))).toHaveLength(12_000);
    expect(diff.filter((l) => l.startsWith('+B'))).toHaveLength(12_000);
  });
});
