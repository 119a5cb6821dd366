/**
 * `setup --dry-run` on a gateway whose `.env` holds 30,000 lines of the user's own: the diff must
 * grow with the change, not with the square of the file (a line-by-line LCS table took 24 s and
 * 3.6 GB). Asserted by memory, which does not depend on how busy the machine is: the child runs
 * with a 300 MB heap (a quadratic diff dies of it) and reports its peak resident size.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'ai-gateway.js');
const REPORT_PEAK_MEMORY = `data:text/javascript,process.on('exit',()=>process.stderr.write('peak-rss-kb='+process.resourceUsage().maxRSS+'\\n'))`;

function cli(args: string[], nodeOptions: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [...nodeOptions, bin, ...args], { env: { ...process.env, NO_COLOR: '1', CI: '' }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'cli.js'))) throw new Error('dist/ is missing: run "npm run build" (npm test does it)');
});

describe('setup --dry-run on a 30,000-line .env', () => {
  it('shows only the changed lines, within a 300 MB heap and 400 MB resident', { timeout: 180_000 }, async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'aigw-large-')), 'gw');
    const created = await cli(['setup', '--yes', '--ports', 'random', '--profile', 'medium', '--dir', dir]);
    expect(created.code, created.stderr).toBe(0);
    await appendFile(join(dir, '.env'), Array.from({ length: 30_000 }, (_, i) => `USER_SETTING_${i}=value-${i}\n`).join(''));

    const dry = await cli(['setup', '--yes', '--dry-run', '--profile', 'small', '--dir', dir], ['--max-old-space-size=300', '--import', REPORT_PEAK_MEMORY]);
    expect(dry.code, dry.stderr).toBe(0);
    const envDiff = dry.stdout.slice(dry.stdout.indexOf('--- a/.env'), dry.stdout.indexOf('--- a/docker-compose.override.yml'));
    expect(envDiff.split('\n').filter((line) => /^[-+][^-+]/.test(line))).toEqual([
      '-RESOURCE_PROFILE=medium',
      '+RESOURCE_PROFILE=small',
      // the log rotation setup wrote follows the profile (medium 5 x 20m, small 3 x 10m)
      '-LOG_MAX_SIZE=20m',
      '-LOG_MAX_FILES=5',
      '+LOG_MAX_SIZE=10m',
      '+LOG_MAX_FILES=3',
    ]);
    const peakKb = Number(/peak-rss-kb=(\d+)/.exec(dry.stderr)?.[1]);
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb).toBeLessThan(400 * 1024);
  });
});
