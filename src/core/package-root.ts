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

/** Set by the bundler (rolldown.config.mjs); undefined when the source runs as is (vitest). */
declare const __AI_GATEWAY_VERSION__: string | undefined;

/** This CLI's version (what --version prints and backups and state records name), from its package.json. */
export function cliVersion(): string {
  if (typeof __AI_GATEWAY_VERSION__ === 'string') return __AI_GATEWAY_VERSION__;
  return (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
}
