/**
 * The package as users get it: `npm pack`, install the tarball into an empty project from the
 * registry, then run the installed binary (`npx ai-gateway`, the bin of @ai-gateway/cli). Catches files missing from the
 * tarball (templates/, dist/), a broken bin entry, and dependencies that only worked in the repo.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
// npm and npx must run on the Node that runs the tests (>= 22.12), not whatever is first on PATH.
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, NO_COLOR: '1', CI: '', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

function sh(command: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(command, args, { cwd, env: { ...env, ...extraEnv }, maxBuffer: 20 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the packed npm package', () => {
  it('installs from its tarball and runs: npx ai-gateway --help, then setup --yes', async () => {
    const work = await mkdtemp(join(tmpdir(), 'aigw-pack-'));
    const packed = await sh('npm', ['pack', '--pack-destination', work, '--silent'], root);
    expect(packed.code, packed.stderr).toBe(0);
    const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();

    const project = join(work, 'project');
    await sh('mkdir', ['-p', project], work);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'try-ai-gateway', version: '1.0.0', private: true }));
    const installed = await sh('npm', ['install', '--no-audit', '--no-fund', join(work, tarball as string)], project);
    expect(installed.code, installed.stderr).toBe(0);

    const help = await sh('npx', ['--no-install', 'ai-gateway', '--help'], project);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/setup \[options\]\s+create or update the gateway files/);

    const gateway = join(work, 'gateway');
    const setup = await sh('npx', ['--no-install', 'ai-gateway', 'setup', '--yes', '--dir', gateway, '--ports', 'random'], project);
    expect(setup.code, setup.stderr).toBe(0);
    expect(setup.stdout).toContain('Next: ai-gateway start');
    // The templates shipped in the tarball were rendered.
    expect(await readFile(join(gateway, 'docker-compose.yml'), 'utf8')).toContain('services:');
    expect(await readFile(join(gateway, 'nginx', 'nginx.conf'), 'utf8')).toContain('upstream litellm_upstream');
    expect((await stat(join(gateway, '.env'))).mode & 0o777).toBe(0o600);

    // The README's `npm install -g @ai-gateway/cli`, with the tarball standing in for the registry
    // copy: into an empty global prefix, the command on PATH is `ai-gateway`.
    const prefix = join(work, 'global');
    const global = await sh('npm', ['install', '-g', '--no-audit', '--no-fund', join(work, tarball as string)], project, { npm_config_prefix: prefix });
    expect(global.code, global.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(prefix, 'lib', 'node_modules', '@ai-gateway', 'cli', 'package.json'), 'utf8')).name).toBe('@ai-gateway/cli');
    const version = await sh(join(prefix, 'bin', 'ai-gateway'), ['--version'], project);
    expect(version.stdout.trim()).toBe(JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).version);
  }, 300_000);
});
