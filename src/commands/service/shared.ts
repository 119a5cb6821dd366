/** What the service subcommands share: which unit, where, for which gateway. */
import { join } from 'node:path';
import type { Context } from '../../core/context.js';
import { EnvError } from '../../core/errors.js';
import { z } from '../../core/schema.js';
import { loadGateway } from '../../gateway/layout.js';
import { unitDirectory, unitName, type UnitScope } from '../../gateway/systemd-unit.js';

export const scopeOption = z.optional(z.enum(['system', 'user']));

export interface UnitTarget {
  scope: UnitScope;
  name: string;
  path: string;
  project: string;
  /** systemctl's own flag for the scope. */
  systemctl: string[];
}

export async function unitTarget(ctx: Context, scope: UnitScope | undefined): Promise<UnitTarget> {
  const gateway = await loadGateway(ctx);
  const chosen = scope ?? (ctx.systemd.user().uid === 0 ? 'system' : 'user');
  const name = unitName(gateway.settings.projectName);
  return {
    scope: chosen,
    name,
    path: join(unitDirectory(chosen, ctx.env), name),
    project: gateway.settings.projectName,
    systemctl: chosen === 'user' ? ['--user'] : [],
  };
}

/** Without systemd as init: what to do instead, as an error with the next steps. */
export function noSystemd(what: string): EnvError {
  return new EnvError('SYSTEMD_NOT_RUNNING', `systemd is not running on this machine, so ${what}.`, {
    hint:
      'The containers already come back with Docker ("restart: unless-stopped"): make Docker start at boot with your init system ' +
      '(OpenRC: rc-update add docker default; SysV: update-rc.d docker defaults), or add "@reboot cd DIR && ai-gateway start" to your crontab. ' +
      '"ai-gateway service install --print" shows the unit for a systemd machine.',
  });
}

export function systemctlFailed(args: string[], result: { stderr: string; exitCode: number }): EnvError {
  return new EnvError('SYSTEMCTL_FAILED', `systemctl ${args.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim().split('\n').slice(-3).join('\n')}`, {
    hint: 'For a system unit run as root (sudo); for a user unit, a user session with systemd --user is needed.',
  });
}
