import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { startStandin, TEST_MASTER_KEY, TEST_MODELS } from '../src/testing/litellm.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'ai-gateway.js');

/**
 * Runs the CLI under the import tracer: the dist modules it loaded (from the chunks' source maps).
 * With the code cache off, Node's own loader loads the bundle (the same files), which the tracer sees.
 */
async function traceRun(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; sources: string[] }> {
  const out = join(await mkdtemp(join(tmpdir(), 'aigw-trace-')), 'trace.json');
  const { code } = await new Promise<{ code: number }>((done) => {
    execFile(process.execPath, ['--import', join(root, 'test/helpers/trace-imports.mjs'), bin, ...args], { env: { ...process.env, NO_COLOR: '1', ...env, TRACE_IMPORTS_OUT: out, AI_GATEWAY_CODE_CACHE: '0' } }, (error) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0 }),
    );
  });
  const loaded = JSON.parse(readFileSync(out, 'utf8')) as string[];
  // dist/ is bundled: the source maps of the chunks a run loaded say which modules were in them.
  const sources = loaded
    .filter((u) => u.startsWith('file:') && u.includes('/dist/'))
    .flatMap((u) => {
      const map = `${new URL(u).pathname}.map`;
      return existsSync(map) ? (JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] }).sources : [];
    });
  return { code, sources };
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}, node = process.execPath) {
  try {
    const { stdout, stderr } = await run(node, [bin, ...args], { env: { ...process.env, NO_COLOR: '1', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the ai-gateway binary', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'cli.js'))) throw new Error('dist/ is missing: run "npm run build" (npm test does it)');
  });

  it('prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const result = await cli(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('--version and --help load no prompt, YAML, process, validation, spinner or HTTP library', async () => {
    // A design rule (keep *.command.ts light), not a timing: the figures are bench/cold-start.mjs's.
    for (const args of [['--version'], ['--help'], ['setup', '--help']]) {
      const { code, sources } = await traceRun(args);
      expect(code).toBe(0);
      if (args[0] !== '--version') expect(sources.some((s) => s.includes('node_modules/commander/'))).toBe(true); // the trace works
      for (const heavy of ['@inquirer', 'yaml', 'execa', 'zod', 'ora', 'undici']) {
        expect(sources.filter((s) => s.includes(`node_modules/${heavy}/`)), `${args.join(' ')} loaded ${heavy}`).toEqual([]);
      }
    }
  });

  it('ends quietly when its reader has gone (setup --help | head -1): no EPIPE stack trace', async () => {
    for (const args of [['setup', '--help'], ['--help'], ['status', '--json', '--dir', tmpdir()]]) {
      const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
      child.stdout.destroy(); // the reader closes its end before the first byte is written
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((done) => child.on('close', done));
      expect(stderr, args.join(' ')).not.toMatch(/EPIPE|Unhandled|at /);
      expect(code, args.join(' ')).not.toBe(1);
    }
  });

  it('lists every command in --help', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--dir <path>/);
    expect(result.stdout).toMatch(/--json/);
  });

  it('rejects an unknown command with exit code 2 and a usage hint', async () => {
    const result = await cli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it('answers a usage error with one JSON document in --json mode', async () => {
    const result = await cli(['--json', 'frobnicate']);
    expect(result.code).toBe(2);
    const doc = JSON.parse(result.stdout) as { ok: boolean; schemaVersion: number; error: { code: string } };
    expect(doc).toMatchObject({ ok: false, schemaVersion: 1, error: { code: 'INVALID_USAGE' } });
  });

  it('refuses to run on a Node older than 22.12 with one clear line', async () => {
    // The machine's own Node (20) is the realistic old runtime; skip when it is not old.
    const systemNode = '/usr/bin/node';
    const old = existsSync(systemNode) ? (await run(systemNode, ['-p', 'process.versions.node'])).stdout.trim() : '';
    if (!old || Number(old.split('.')[0]) >= 22) return;
    const result = await cli(['--version'], {}, systemNode);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/requires Node\.js 22\.12 or newer; this is v20\./);
  });

  it('--api-key - takes the key from a pipe: it never appears in argv or output', async () => {
    const standin = await startStandin({ masterKey: TEST_MASTER_KEY, models: TEST_MODELS });
    try {
      const empty = await mkdtemp(join(tmpdir(), 'aigw-stdin-'));
      const args = [bin, 'models', '--api-key', '-', '--base-url', standin.url, '--json'];
      const child = spawn(process.execPath, args, { cwd: empty, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin.end(`${TEST_MASTER_KEY}\n`);
      const code = await new Promise<number | null>((done) => child.on('close', done));
      expect(code, stderr).toBe(0);
      const doc = JSON.parse(stdout) as { ok: boolean; keySource: string; models: { id: string }[] };
      expect(doc).toMatchObject({ ok: true, keySource: '--api-key (stdin)' });
      expect(doc.models.map((m) => m.id)).toEqual(['gpt-4o-mini', 'claude-haiku']);
      expect(args.join(' ') + stdout + stderr).not.toContain(TEST_MASTER_KEY);
    } finally {
      await standin.close();
    }
  });
});
