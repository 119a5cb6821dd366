/**
 * The README's reliability figures come from the suite, not from a hand: a reliability test calls
 * recordFigures() with what it measured, and `npm run figures` (test/reliability/figures-table.mjs)
 * runs the suites with recording on, then renders the README table from the recorded files.
 * Each record carries the sha256 of the test file that produced it, so figures.test.ts can tell
 * when a suite changed after its figures were recorded.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const FIGURES_DIR = join(ROOT, 'test', 'reliability', 'figures');
/** Set to 1 by `npm run figures`; otherwise recordFigures() writes nothing (a test run leaves the tree clean). */
export const RECORD_ENV = 'AI_GATEWAY_RECORD_FIGURES';

export interface FigureRecord {
  suite: string;
  /** The test file that measured these figures, relative to the repository root. */
  source: string;
  sourceSha256: string;
  recordedAt: string;
  figures: Record<string, number>;
}

export async function sha256OfFile(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

export async function recordFigures(suite: string, sourceFile: string, figures: Record<string, number>): Promise<void> {
  if (process.env[RECORD_ENV] !== '1') return;
  const record: FigureRecord = {
    suite,
    source: relative(ROOT, sourceFile),
    sourceSha256: await sha256OfFile(sourceFile),
    recordedAt: new Date().toISOString(),
    figures,
  };
  await mkdir(FIGURES_DIR, { recursive: true });
  const target = join(FIGURES_DIR, `${suite}.json`);
  const temp = `${target}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(temp, target);
  console.log(`[figures] ${basename(target)} recorded`);
}
