/** `service install`: write the unit (mode 600, atomically), check it, enable it; say what lingering needs. */
import { dirname } from 'node:path';
import { realpathSync } from 'node:fs';
import type { Context } from '../../core/context.js';
import type { Style } from '../../core/output.js';
import { packageFile } from '../../core/package-root.js';
import { z } from '../../core/schema.js';
import { renderUnit } from '../../gateway/systemd-unit.js';
import { noSystemd, scopeOption, systemctlFailed, unitTarget } from './shared.js';

export const optionsSchema = z.object({
  scope: scopeOption,
  print: z._default(z.boolean(), false),
  timeout: z._default(z.coerce.number().check(z.int('--timeout takes whole seconds'), z.gte(60, '--timeout must be at least 60 seconds')), 900),
});
export type InstallOptions = z.output<typeof optionsSchema>;

export interface InstallResult {
  scope: 'system' | 'user';
  unit: string;
  path: string;
  /** The unit's text (always; the only output with --print). */
  text: string;
  written: boolean;
  enabled: boolean;
  /** User units: lingering (runs at boot without a login). null for system units. */
  linger: boolean | null;
  user: string;
}

export async function run(ctx: Context, options: InstallOptions): Promise<InstallResult> {
  const target = await unitTarget(ctx, options.scope);
  const text = renderUnit({
    scope: target.scope,
    dir: ctx.dir,
    project: target.project,
    node: process.execPath,
    bin: realpathSync(packageFile('bin', 'ai-gateway.js')),
    startTimeoutSeconds: options.timeout,
    path: ctx.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  });
  const user = ctx.systemd.user().name;
  const base = { scope: target.scope, unit: target.name, path: target.path, text, user };
  if (options.print) return { ...base, written: false, enabled: false, linger: null };
  if (!(await ctx.systemd.booted())) throw noSystemd('a unit cannot start the gateway at boot here');

  await ctx.fs.mkdirp(dirname(target.path));
  await ctx.fs.writeAtomic(target.path, text);
  const verify = await ctx.systemd.run('systemd-analyze', [...target.systemctl, 'verify', target.path]);
  if (verify.exitCode !== 0 && !verify.notFound) ctx.out.warn(`systemd-analyze verify ${target.path}: ${verify.stderr.trim().split('\n')[0] ?? ''}`);
  for (const args of [[...target.systemctl, 'daemon-reload'], [...target.systemctl, 'enable', target.name]]) {
    const result = await ctx.systemd.run('systemctl', args);
    if (result.exitCode !== 0) throw systemctlFailed(args, result);
  }
  let linger: boolean | null = null;
  if (target.scope === 'user') {
    const show = await ctx.systemd.run('loginctl', ['show-user', user, '--property=Linger', '--value']);
    linger = show.exitCode === 0 && show.stdout.trim() === 'yes';
    if (!linger) ctx.out.warn(`Lingering is off for ${user}: the unit runs when you log in, not at boot. Turn it on with: sudo loginctl enable-linger ${user}`);
  }
  return { ...base, written: true, enabled: true, linger };
}

export function render(result: InstallResult, style: Style): string {
  if (!result.written) return result.text;
  const lines = [
    `${style.green('✔')} ${result.unit} installed (${result.scope}) at ${result.path} and enabled: the gateway starts at boot and stops at shutdown.`,
    `Check it: systemctl ${result.scope === 'user' ? '--user ' : ''}status ${result.unit}`,
  ];
  if (result.linger === false) lines.push(`Then: sudo loginctl enable-linger ${result.user}   (a user unit runs at boot only with lingering)`);
  return lines.join('\n');
}
