import { describe, expect, it } from 'vitest';
import { mergeTimestamped } from './logs.js';

describe('mergeTimestamped', () => {
  it('interleaves stdout and stderr by time, and strips the timestamps', () => {
    const stdout = '2026-01-01T00:00:01.5Z out one\n2026-01-01T00:00:03.000000001Z out two\n';
    const stderr = '2026-01-01T00:00:02.25Z err one\n2026-01-01T00:00:03.00000001Z err two\n';
    expect(mergeTimestamped(stdout, stderr)).toEqual(['out one', 'err one', 'out two', 'err two']);
  });

  it('keeps lines without a timestamp', () => {
    expect(mergeTimestamped('plain\n', '')).toEqual(['plain']);
  });
});
