/**
 * The host's init system, as `service install|uninstall|status` needs it: is systemd running
 * (sd_booted: /run/systemd/system exists), and systemctl / loginctl / systemd-analyze. The one
 * module that spawns them; handlers reach it through `ctx.systemd` so tests inject a fake.
 */
import { access } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { SystemdHost } from '../core/systemd-host.js';

export type { SystemdHost, SystemdProgram } from '../core/systemd-host.js';

export function createSystemdHost(env: NodeJS.ProcessEnv): SystemdHost {
  return {
    booted: async () => {
      try {
        await access('/run/systemd/system');
        return true;
      } catch {
        return false;
      }
    },
    user: () => {
      const info = userInfo();
      return { uid: info.uid, name: info.username };
    },
    run: async (program, args, options = {}) => {
      // Loaded on first use: every command's context carries this host, few run systemctl.
      const { runProcess } = await import('../core/process.js');
      const { stdout, stderr, exitCode, notFound } = await runProcess(program, args, { env, timeoutMs: options.timeoutMs ?? 60_000 });
      return { stdout, stderr, exitCode, ...(notFound ? { notFound: true } : {}) };
    },
  };
}
