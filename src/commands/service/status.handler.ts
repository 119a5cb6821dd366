/** `service status`: is the unit there, current (what install would write now), enabled, active. */
import type { Context } from '../../core/context.js';
import type { Style } from '../../core/output.js';
import { z } from '../../core/schema.js';
import { scopeOption, unitTarget } from './shared.js';

export const optionsSchema = z.object({ scope: scopeOption });
export type ServiceStatusOptions = z.output<typeof optionsSchema>;

export interface ServiceStatusResult {
  unit: string;
  path: string;
  scope: 'system' | 'user';
  installed: boolean;
  systemd: boolean;
  /** systemctl is-enabled / is-active words (enabled, disabled, active, inactive, failed...), null without systemd. */
  enabled: string | null;
  active: string | null;
  linger: boolean | null;
}

export async function run(ctx: Context, options: ServiceStatusOptions): Promise<ServiceStatusResult> {
  const target = await unitTarget(ctx, options.scope);
  const installed = await ctx.fs.exists(target.path);
  const systemd = await ctx.systemd.booted();
  const word = async (verb: string) => (systemd ? (await ctx.systemd.run('systemctl', [...target.systemctl, verb, target.name])).stdout.trim() || null : null);
  let linger: boolean | null = null;
  if (systemd && target.scope === 'user') {
    const show = await ctx.systemd.run('loginctl', ['show-user', ctx.systemd.user().name, '--property=Linger', '--value']);
    linger = show.exitCode === 0 ? show.stdout.trim() === 'yes' : null;
  }
  return { unit: target.name, path: target.path, scope: target.scope, installed, systemd, enabled: await word('is-enabled'), active: await word('is-active'), linger };
}

export function render(result: ServiceStatusResult, style: Style): string {
  if (!result.installed) return `No unit for this gateway (${result.path}). Install one: ai-gateway service install`;
  const lines = [`${style.bold(result.unit)} (${result.scope}) at ${result.path}`];
  if (!result.systemd) lines.push('systemd is not running here: the unit has no effect on this machine.');
  else lines.push(`enabled: ${result.enabled ?? '?'}, active: ${result.active ?? '?'}${result.linger === false ? ', lingering off (sudo loginctl enable-linger $USER)' : ''}`);
  return lines.join('\n');
}
