import { mkdtemp, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { platformFor, WINDOWS_PROTECTION_NOTE } from './platform.js';

describe('platform: POSIX branch', () => {
  const posix = platformFor('posix');
  it('protects a file with mode 600', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'aigw-plat-')), 'f');
    await writeFile(path, 'x');
    await chmod(path, 0o644);
    expect(await posix.protectFile(path)).toBeNull();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
  it('calls group or world bits exposed', () => {
    expect(posix.isExposed(0o600)).toBe(false);
    expect(posix.isExposed(0o640)).toBe(true);
    expect(posix.isExposed(0o604)).toBe(true);
    expect(posix.secretFileMode).toBe(0o600);
    expect(posix.terminationSignals).toContain('SIGTERM');
  });
});

describe('platform: Windows branch', () => {
  const windows = platformFor('windows');
  it('says what protects .env instead of failing', async () => {
    expect(await windows.protectFile('C:\\gw\\.env')).toBe(WINDOWS_PROTECTION_NOTE);
    expect(windows.protectionNote).toMatch(/access control list/);
  });
  it('never calls a file exposed and has no mode to set', () => {
    expect(windows.isExposed(0o777)).toBe(false);
    expect(windows.secretFileMode).toBeNull();
    expect(windows.terminationSignals).toContain('SIGBREAK');
  });
});
