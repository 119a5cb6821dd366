/** Last lines of a container's log, for error messages (stdout and stderr in their real order). */
import type { Context } from '../core/context.js';

export async function tailContainerLogs(ctx: Context, containerId: string, lines = 30): Promise<string[]> {
  const result = await ctx.docker.docker(['logs', '--tail', String(lines), '--timestamps', containerId], { timeoutMs: 15_000 });
  if (result.exitCode !== 0) return []; // gone meanwhile (Compose replaced it): no lines rather than docker's error
  return mergeTimestamped(result.stdout, result.stderr).slice(-lines);
}

/**
 * A container writes to stdout and stderr; docker hands them back on two pipes. With
 * `--timestamps` each line starts with an RFC 3339 time, which restores their order.
 */
export function mergeTimestamped(stdout: string, stderr: string): string[] {
  const parse = (text: string) =>
    text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const match = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z?)\s?(.*)$/.exec(line);
        return match ? { at: match[1] ?? '', text: match[2] ?? '' } : { at: '', text: line };
      });
  // Stable sort: lines without a timestamp (error text from docker itself) keep their place.
  return [...parse(stdout), ...parse(stderr)]
    .map((entry, index) => ({ ...entry, index }))
    .sort((a, b) => (a.at && b.at ? compareTimestamps(a.at, b.at) : 0) || a.index - b.index)
    .map((entry) => entry.text.replace(/\r$/, ''));
}

/** RFC 3339 with nanoseconds: compare the seconds part, then the fraction as digits. */
function compareTimestamps(a: string, b: string): number {
  const [aSec = '', aFrac = ''] = a.replace(/Z$/, '').split('.');
  const [bSec = '', bFrac = ''] = b.replace(/Z$/, '').split('.');
  if (aSec !== bSec) return aSec < bSec ? -1 : 1;
  const width = Math.max(aFrac.length, bFrac.length);
  const fa = aFrac.padEnd(width, '0');
  const fb = bFrac.padEnd(width, '0');
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}
