import { describe, expect, it } from 'vitest';
import { compareVersions, MINIMUM_COMPOSE, parseVersion } from './version.js';

describe('parseVersion', () => {
  it.each([
    ['2.29.1', [2, 29, 1]],
    ['v2.29.1', [2, 29, 1]],
    ['1.29.2', [1, 29, 2]],
    ['2.40.3-desktop.1', [2, 40, 3]],
    ['v2.0.0-rc.3', [2, 0, 0]],
    ['docker-compose version 1.29.2, build unknown', [1, 29, 2]],
    ['Docker Compose version v2.24.5', [2, 24, 5]],
    ['  2.21\n', [2, 21, 0]],
  ])('reads %j', (text, [major, minor, patch]) => {
    expect(parseVersion(text)).toMatchObject({ major, minor, patch });
  });

  it('returns null when there is no version', () => {
    expect(parseVersion('')).toBeNull();
    expect(parseVersion('unknown flag: --short')).toBeNull();
  });

  it('orders versions numerically, not as text', () => {
    const v = (s: string) => parseVersion(s) ?? { major: 0, minor: 0, patch: 0 };
    expect(compareVersions(v('2.10.0'), v('2.9.9'))).toBeGreaterThan(0);
    expect(compareVersions(v('1.28.6'), MINIMUM_COMPOSE.v1)).toBeLessThan(0);
    expect(compareVersions(v('1.29.2'), MINIMUM_COMPOSE.v1)).toBeGreaterThan(0);
    expect(compareVersions(v('2.0.0'), MINIMUM_COMPOSE.v2)).toBe(0);
  });
});
