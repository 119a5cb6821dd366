/** `service uninstall`: disable and remove the unit; the running gateway is left alone. */
import type { Context } from '../../core/context.js';
import type { Style } from '../../core/output.js';
import { z } from '../../core/schema.js';
import { scopeOption, systemctlFailed, unitTarget } from './shared.js';

export const optionsSchema = z.object({ scope: scopeOption });
export type UninstallOptions = z.output<typeof optionsSchema>;

export interface UninstallResult {
  unit: string;
  path: string;
  removed: boolean;
}

export async function run(ctx: Context, options: UninstallOptions): Promise<UninstallResult> {
  const target = await unitTarget(ctx, options.scope);
  if (!(await ctx.fs.exists(target.path))) return { unit: target.name, path: target.path, removed: false };
  if (await ctx.systemd.booted()) {
    const disable = await ctx.systemd.run('systemctl', [...target.systemctl, 'disable', target.name]);
    if (disable.exitCode !== 0 && !/not loaded|does not exist|No such file/i.test(disable.stderr)) throw systemctlFailed([...target.systemctl, 'disable', target.name], disable);
  }
  await ctx.fs.remove(target.path);
  if (await ctx.systemd.booted()) await ctx.systemd.run('systemctl', [...target.systemctl, 'daemon-reload']);
  return { unit: target.name, path: target.path, removed: true };
}

export function render(result: UninstallResult, style: Style): string {
  if (!result.removed) return `No unit to remove: ${result.path} does not exist.`;
  return `${style.green('✔')} ${result.unit} disabled and removed. The gateway keeps running until "ai-gateway stop".`;
}
