/**
 * Files shipped in the package (package.json, templates/) found from wherever this code runs:
 * src/ under vitest, or the bundled dist/ (whose chunks sit at another depth).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return (root = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('ai-gateway: cannot find its package root (package.json + templates/)');
    dir = parent;
  }
}

export function packageFile(...segments: string[]): string {
  return join(packageRoot(), ...segments);
}

/** This CLI's version, from its package.json (what backups and state records name). */
export function cliVersion(): string {
  return (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
}
