// The layer rules of docs/architecture.md, enforced: dependency-cruiser with .dependency-cruiser.cjs
// over src/ and test/ must find nothing, and each rule must catch a tree that breaks it (so a rule
// that matches no path, after a rename, fails here instead of passing quietly).
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../src/testing/context.js';

const ROOT = resolve(import.meta.dirname, '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

async function cruise(cwd: string, paths: string[]): Promise<Violation[]> {
  // Exit code 1 means "violations found"; the JSON report is on stdout either way.
  const { stdout } = await promisify(execFile)(process.execPath, [DEPCRUISE, ...paths, '--config', CONFIG, '--output-type', 'json'], { cwd, maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: { stdout?: string; stderr?: string }) => {
      if (!error.stdout) throw new Error(`dependency-cruiser failed: ${error.stderr ?? String(error)}`);
      return { stdout: error.stdout };
    },
  );
  const report = JSON.parse(stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  expect(report.summary.totalCruised).toBeGreaterThan(0);
  return report.summary.violations;
}

const describeViolation = (v: Violation) => `${v.rule.name}: ${v.from} → ${v.to}`;

describe('layers (dependency-cruiser)', () => {
  it('src/ and test/ break no layer rule', async () => {
    const violations = await cruise(ROOT, ['src', 'test']);
    expect(violations.map(describeViolation)).toEqual([]);
  }, 60_000);

  it('every rule catches a tree that breaks it', async () => {
    const dir = await tempDir();
    const files: Record<string, string> = {
      'src/core/context.ts': "import { createDockerClient } from '../docker/client.js';\nexport const c = createDockerClient;\n",
      'src/docker/client.ts': "import type { X } from '../litellm/x.js';\nexport const createDockerClient = (x?: X) => x;\n",
      'src/gateway/env.ts': "import { a } from '../commands/start/start.handler.js';\nexport const e = a;\n",
      'src/litellm/x.ts': "import { a } from '../commands/start/start.handler.js';\nexport type X = typeof a;\n",
      'src/commands/start/start.handler.ts': "import { s } from '../status/status.handler.js';\nimport { h } from '../../testing/helper.js';\nexport const a = s + h;\n",
      'src/commands/status/status.handler.ts': "import { a } from '../start/start.handler.js';\nexport const s = String(a);\n",
      'src/commands/shared/view.ts': "import { s } from '../status/status.handler.js';\nexport const v = s;\n",
      'src/testing/helper.ts': 'export const h = 1;\n',
      'src/core/clock.ts': "import { vi } from 'vitest';\nexport const clock = vi;\n",
      'node_modules/vitest/package.json': '{ "name": "vitest", "type": "module", "exports": "./index.js" }\n',
      'node_modules/vitest/index.js': 'export const vi = {};\n',
    };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    const found = new Set((await cruise(dir, ['src'])).map((v) => v.rule.name));
    const rules = ((await import(CONFIG)) as { default: { forbidden: { name: string }[] } }).default.forbidden.map((r) => r.name);
    expect([...found].sort()).toEqual([...rules].sort());
  }, 60_000);
});
