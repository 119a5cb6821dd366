/**
 * The unified diff `setup --dry-run` shows, by jsdiff (Myers' O(ND) algorithm: time and memory
 * grow with the size of the change, not with the square of the file, so a 30,000-line `.env`
 * with a few new keys is diffed in milliseconds).
 *
 * A change too large to be worth a line-by-line diff (more than MAX_EDIT_LENGTH lines) is shown
 * as the old file removed and the new one added: still a correct patch, found in linear time.
 */
import { structuredPatch } from 'diff';

const MAX_EDIT_LENGTH = 1_000;

export function unifiedDiff(oldText: string | null, newText: string, label: string, context = 3): string {
  const before = withFinalNewline(oldText ?? '');
  const after = withFinalNewline(newText);
  if (before === after) return '';
  const header = [`--- ${oldText === null ? '/dev/null' : `a/${label}`}`, `+++ b/${label}`];
  const patch = structuredPatch(label, label, before, after, undefined, undefined, { context, maxEditLength: MAX_EDIT_LENGTH });
  const hunks = patch?.hunks ?? [wholeFileHunk(before, after)];
  const lines = hunks.flatMap((hunk) => [
    `@@ -${hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart},${hunk.oldLines} +${hunk.newLines === 0 ? hunk.newStart - 1 : hunk.newStart},${hunk.newLines} @@`,
    ...hunk.lines,
  ]);
  return [...header, ...lines].join('\n');
}

/** The last line's newline is not a change worth showing (the files we write always end with one). */
function withFinalNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

function wholeFileHunk(before: string, after: string) {
  const removed = splitLines(before).map((line) => `-${line}`);
  const added = splitLines(after).map((line) => `+${line}`);
  return { oldStart: 1, oldLines: removed.length, newStart: 1, newLines: added.length, lines: [...removed, ...added] };
}

function splitLines(text: string): string[] {
  return text === '' ? [] : text.slice(0, -1).split('\n');
}
