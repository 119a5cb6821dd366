import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { quoteExecArg, renderUnit } from '../../gateway/systemd-unit.js';
import type { SystemdHost, SystemdProgram } from '../../host/systemd.js';
import { createTestContext, rejection, tempDir } from '../../testing/context.js';
import { writeGatewayFixture } from '../../testing/gateway-fixture.js';
import { hasCommand } from '../../testing/nginx-check.js';
import * as install from './install.handler.js';
import * as status from './status.handler.js';
import * as uninstall from './uninstall.handler.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A systemd that records every call; `linger` answers loginctl. */
function fakeSystemd(options: { uid?: number; linger?: 'yes' | 'no' } = {}) {
  const calls: { program: SystemdProgram; args: string[] }[] = [];
  const host: SystemdHost = {
    booted: async () => true,
    user: () => ({ uid: options.uid ?? 1000, name: 'alice' }),
    run: async (program, args) => {
      calls.push({ program, args });
      if (program === 'loginctl') return { stdout: `${options.linger ?? 'no'}\n`, stderr: '', exitCode: 0 };
      if (program === 'systemctl' && args.includes('is-enabled')) return { stdout: 'enabled\n', stderr: '', exitCode: 0 };
      if (program === 'systemctl' && args.includes('is-active')) return { stdout: 'active\n', stderr: '', exitCode: 0 };
      return { stdout: '', stderr: '', exitCode: 0 };
    },
  };
  return { host, calls };
}

/** A gateway in a directory whose name needs quoting in a unit (a space, a %). */
async function gateway() {
  const parent = await tempDir('aigw-svc-');
  dirs.push(parent);
  const { dir } = await writeGatewayFixture({ dir: join(parent, 'my gateway %dir') });
  return { dir, home: parent };
}

describe('the systemd unit', () => {
  const spec = { scope: 'system' as const, dir: '/srv/my gateway', project: 'gw', node: process.execPath, bin: join(import.meta.dirname, '..', '..', '..', 'bin', 'ai-gateway.js'), startTimeoutSeconds: 900, path: '/usr/bin:/bin' };

  it('starts after Docker, stays active so stop runs at shutdown, with every path quoted', () => {
    const unit = renderUnit(spec);
    expect(unit).toContain('Requires=docker.service');
    expect(unit).toContain('Type=oneshot\nRemainAfterExit=yes');
    expect(unit).toContain(`ExecStart=${quoteExecArg(process.execPath)} `);
    expect(unit).toContain('"start" "--dir" "/srv/my gateway"');
    expect(unit).toContain('"stop" "--dir" "/srv/my gateway"');
    expect(unit).toContain('WantedBy=multi-user.target');
    expect(renderUnit({ ...spec, scope: 'user' })).toContain('WantedBy=default.target');
    expect(quoteExecArg('50% "odd" $HOME\\x')).toBe('"50%% \\"odd\\" $$HOME\\\\x"');
  });

  it.skipIf(!hasCommand('systemd-analyze'))('passes systemd-analyze verify (system and user)', async () => {
    const dir = await tempDir('aigw-unit-');
    dirs.push(dir);
    // A system unit Requires=docker.service, which verify looks up: checked where Docker's unit is installed.
    for (const scope of hasUnit('docker.service') ? (['system', 'user'] as const) : (['user'] as const)) {
      const file = join(dir, `ai-gateway-gw-${scope}.service`);
      await writeFile(file, renderUnit({ ...spec, scope, dir }));
      execFileSync('systemd-analyze', ['verify', file], { stdio: 'pipe' });
    }
  });
});

function hasUnit(name: string): boolean {
  return ['/lib/systemd/system', '/usr/lib/systemd/system', '/etc/systemd/system'].some((dir) => existsSync(join(dir, name)));
}

describe('service install | status | uninstall', () => {
  it('--print shows the unit and writes nothing, even without systemd', async () => {
    const { dir, home } = await gateway();
    const ctx = createTestContext({ dir, env: { XDG_CONFIG_HOME: join(home, 'config') } });
    const result = await install.run(ctx, install.optionsSchema.parse({ print: true }));
    expect(result.written).toBe(false);
    expect(result.text).toContain(`"--dir" "${dir.replace(/%/g, '%%')}"`);
    expect(install.render(result, { bold: String, dim: String, red: String, green: String, yellow: String, cyan: String })).toBe(result.text);
    expect(await ctx.fs.exists(result.path)).toBe(false);
  });

  it('without systemd says what to do instead, and writes nothing', async () => {
    const { dir, home } = await gateway();
    const ctx = createTestContext({ dir, env: { XDG_CONFIG_HOME: join(home, 'config') } });
    const error = await rejection(install.run(ctx, install.optionsSchema.parse({})));
    expect(error).toMatchObject({ code: 'SYSTEMD_NOT_RUNNING', exitCode: 3 });
    expect(error.hint).toMatch(/restart: unless-stopped/);
    expect(await ctx.fs.exists(join(home, 'config', 'systemd', 'user', 'ai-gateway-gw.service'))).toBe(false);
  });

  it('as a user: writes the user unit at 600, reloads, enables, and warns that lingering is off', async () => {
    const { dir, home } = await gateway();
    const { host, calls } = fakeSystemd({ linger: 'no' });
    const ctx = createTestContext({ dir, env: { XDG_CONFIG_HOME: join(home, 'config'), PATH: '/usr/bin:/bin' }, systemd: host });
    const result = await install.run(ctx, install.optionsSchema.parse({}));
    expect(result).toMatchObject({ scope: 'user', unit: 'ai-gateway-gw.service', written: true, enabled: true, linger: false });
    expect(result.path).toBe(join(home, 'config', 'systemd', 'user', 'ai-gateway-gw.service'));
    expect((await stat(result.path)).mode & 0o777).toBe(0o600);
    expect(await readFile(result.path, 'utf8')).toBe(result.text);
    expect(calls.filter((c) => c.program === 'systemctl').map((c) => c.args.join(' '))).toEqual(['--user daemon-reload', '--user enable ai-gateway-gw.service']);
    expect(ctx.captured.all()).toContain('sudo loginctl enable-linger alice');

    const shown = await status.run(ctx, status.optionsSchema.parse({}));
    expect(shown).toMatchObject({ installed: true, systemd: true, enabled: 'enabled', active: 'active', linger: false });

    const removed = await uninstall.run(ctx, uninstall.optionsSchema.parse({}));
    expect(removed.removed).toBe(true);
    expect(await ctx.fs.exists(result.path)).toBe(false);
    expect(calls.map((c) => c.args.join(' '))).toContain('--user disable ai-gateway-gw.service');
    expect((await uninstall.run(ctx, uninstall.optionsSchema.parse({}))).removed).toBe(false);
  });

  it('as root: a system unit, no lingering question', async () => {
    const { dir } = await gateway();
    const { host, calls } = fakeSystemd({ uid: 0 });
    const target = await tempDir('aigw-etc-');
    dirs.push(target);
    const ctx = createTestContext({ dir, systemd: host });
    // Point the system directory at a temp dir: --print proves the scope, install would write /etc.
    const printed = await install.run(ctx, install.optionsSchema.parse({ print: true }));
    expect(printed.scope).toBe('system');
    expect(printed.path).toBe('/etc/systemd/system/ai-gateway-gw.service');
    expect(printed.text).toContain('WantedBy=multi-user.target');
    expect(calls).toEqual([]);
  });

  it('rejects a start timeout under a minute', () => {
    expect(install.optionsSchema.safeParse({ timeout: '10' }).success).toBe(false);
  });
});
