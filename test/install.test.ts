/**
 * Day one, as the README tells it: a fresh clone of this repository at HEAD, an empty HOME and an
 * empty npm prefix, then the README's quick-start blocks run as written (read from the clone's
 * README, so the test cannot drift from the text). Only two lines are left out, each named:
 * `npm install -g @ai-gateway/cli` (the registry copy; the clone block installs the same package
 * from the clone, and test/package.test.ts installs the packed tarball globally) and
 * `ai-gateway start` (it needs a Docker engine: the e2e suite starts stacks).
 *
 * npm reads its cache from the real one with prefer-offline, so the run needs no network when the
 * cache is warm (it is after the project's own `npm ci`). It tests what is committed (HEAD), as a
 * user's clone would get it: commit before running it on a change to the install path.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function sh(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Ran> {
  return new Promise((done) => {
    execFile(command, args, { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 20 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The shell lines of the fenced block between `<!-- name -->` and `<!-- /name -->`. */
export function readmeBlock(readme: string, name: string): string[] {
  const start = readme.indexOf(`<!-- ${name} -->`);
  const end = readme.indexOf(`<!-- /${name} -->`);
  if (start < 0 || end < start) throw new Error(`README.md has no <!-- ${name} --> block`);
  const fenced = /```sh\n([\s\S]*?)```/.exec(readme.slice(start, end));
  if (!fenced?.[1]) throw new Error(`The <!-- ${name} --> block of README.md holds no \`\`\`sh fence`);
  return fenced[1].split('\n').filter((line) => line.trim() !== '');
}

const isGitCheckout = existsSync(join(root, '.git'));

describe('the README quick start on a fresh machine', () => {
  it('names the package exactly, never the unscoped "ai-gateway" on npm', () => {
    expect(pkg.name).toBe('@ai-gateway/cli');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readmeBlock(readme, 'quickstart')[0]).toMatch(/^npm install -g @ai-gateway\/cli\s/);
    // Every npx / npm install of ours in the docs names the scoped package.
    for (const file of ['README.md', 'docs/github-actions.md', 'docs/examples/ai-gateway-smoke.yml', 'src/commands/setup/setup.command.ts']) {
      const text = readFileSync(join(root, file), 'utf8');
      expect(text, file).not.toMatch(/npx (--yes |-y )?ai-gateway\b/);
      expect(text, file).not.toMatch(/npm (install|i) (-g |--global )?ai-gateway\b/);
    }
  });

  it('bin/ai-gateway.js without dist/ prints one line naming the fix, exit 1, no stack trace', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'aigw-nodist-'));
    cpSync(join(root, 'bin'), join(copy, 'bin'), { recursive: true });
    cpSync(join(root, 'package.json'), join(copy, 'package.json'));
    for (const args of [['setup', '--yes'], ['--help'], []]) {
      const ran = await sh(process.execPath, [join(copy, 'bin', 'ai-gateway.js'), ...args], { cwd: copy });
      expect(ran.code, args.join(' ')).toBe(1);
      expect(ran.stdout).toBe('');
      expect(ran.stderr).toBe(`ai-gateway: dist/ is missing; run \`npm install\` (or \`npm run build\`) in ${copy}\n`);
    }
    // --version needs no build (scripts probe for the tool with it).
    expect((await sh(process.execPath, [join(copy, 'bin', 'ai-gateway.js'), '--version'], { cwd: copy })).stdout).toBe(`${pkg.version}\n`);
  });

  it.skipIf(!isGitCheckout)(
    'clone, install per README, setup from another directory, --version: with an empty HOME and npm prefix',
    async () => {
      const work = await mkdtemp(join(tmpdir(), 'aigw-install-'));
      const clone = join(work, 'ai-gateway');
      const home = join(work, 'home');
      const prefix = join(work, 'npm-prefix');
      const elsewhere = join(work, 'elsewhere');
      for (const dir of [home, prefix, elsewhere]) mkdirSync(dir, { recursive: true });

      const head = (await sh('git', ['rev-parse', 'HEAD'], { cwd: root })).stdout.trim();
      const cloned = await sh('git', ['clone', '--quiet', '--no-checkout', root, clone], { cwd: work });
      expect(cloned.code, cloned.stderr).toBe(0);
      expect((await sh('git', ['checkout', '--quiet', head], { cwd: clone })).code).toBe(0);
      expect(existsSync(join(clone, 'dist')), 'dist/ is not in git').toBe(false);

      const readme = readFileSync(join(clone, 'README.md'), 'utf8');
      const quickstart = readmeBlock(readme, 'quickstart');
      const cloneInstall = readmeBlock(readme, 'quickstart-clone');
      const leftOut = quickstart.filter((line) => /^npm install -g @ai-gateway\/cli\b|^ai-gateway start\b/.test(line));
      expect(leftOut.map((line) => line.split(/\s+#/)[0]?.trim())).toEqual(['npm install -g @ai-gateway/cli', 'ai-gateway start']);
      const afterInstall = quickstart.filter((line) => !leftOut.includes(line));

      // A machine with Node and git, nothing else of ours: no HOME config, no global packages.
      const env: NodeJS.ProcessEnv = {
        HOME: home,
        PATH: [join(prefix, 'bin'), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
        LANG: 'C.UTF-8',
        NO_COLOR: '1',
        npm_config_prefix: prefix,
        npm_config_cache: process.env.npm_config_cache ?? join(homedir(), '.npm'),
        npm_config_prefer_offline: 'true',
        npm_config_update_notifier: 'false',
        npm_config_fund: 'false',
        npm_config_audit: 'false',
        // The README's `setup --yes` takes the default ports 3000/4000, which may be busy on this
        // machine; the variable picks free ones without touching the line under test.
        AI_GATEWAY_PORTS: 'random',
      };
      const script = (lines: string[]) => ['set -eu', ...lines].join('\n');

      const installed = await sh('bash', ['-c', script(cloneInstall)], { cwd: clone, env });
      expect(installed.code, `${installed.stdout}\n${installed.stderr}`).toBe(0);
      expect(existsSync(join(clone, 'dist', 'cli.js')), 'npm ci built dist/ (prepare)').toBe(true);
      expect(existsSync(join(prefix, 'bin', 'ai-gateway')), 'ai-gateway is on PATH').toBe(true);

      const ran = await sh('bash', ['-c', script([...afterInstall, 'ai-gateway --version'])], { cwd: elsewhere, env });
      expect(ran.code, `${ran.stdout}\n${ran.stderr}`).toBe(0);
      expect(ran.stdout).toContain('Next: ai-gateway start');
      expect(ran.stdout.trim().split('\n').at(-1)).toBe(pkg.version);
      const gateway = join(elsewhere, 'my-gateway');
      expect(statSync(join(gateway, '.env')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(gateway, 'docker-compose.yml'), 'utf8')).toContain('services:');
    },
    240_000,
  );
});
