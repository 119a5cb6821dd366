/**
 * The systemd unit that starts a gateway at boot and stops it at shutdown (the original project
 * shipped one). A oneshot that stays "active" after `ai-gateway start` returns, so `stop` runs at
 * shutdown; ordered after Docker (and, for the system instance, after the network is online).
 * Every path is absolute and quoted the systemd way, so a directory with spaces works.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type UnitScope = 'system' | 'user';

export interface UnitSpec {
  scope: UnitScope;
  dir: string;
  project: string;
  /** The Node.js binary and the CLI's entry script, as this run found them. */
  node: string;
  bin: string;
  /** Seconds `start` may take at boot (a first pull can be long). */
  startTimeoutSeconds: number;
  /** PATH for the unit: docker and docker-compose must be found from it. */
  path: string;
}

/** `ai-gateway-<project>.service`: one unit per gateway directory. */
export function unitName(project: string): string {
  return `ai-gateway-${project.replace(/[^A-Za-z0-9:_.\\-]/g, '-')}.service`;
}

export function unitDirectory(scope: UnitScope, env: NodeJS.ProcessEnv): string {
  if (scope === 'system') return '/etc/systemd/system';
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'systemd', 'user');
}

/** Quotes one argument for an Exec*= line (systemd.syntax: double quotes, backslash escapes, % doubled). */
export function quoteExecArg(arg: string): string {
  return `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

export function renderUnit(spec: UnitSpec): string {
  const exec = (...args: string[]) => [spec.node, spec.bin, ...args].map(quoteExecArg).join(' ');
  const system = spec.scope === 'system';
  const fingerprint = createHash('sha256').update(spec.dir).digest('hex').slice(0, 12);
  return [
    '# Written by "ai-gateway service install"; remove with "ai-gateway service uninstall".',
    `# Gateway directory: ${spec.dir} (id ${fingerprint})`,
    '[Unit]',
    `Description=ai-gateway ${spec.project} (LiteLLM, PostgreSQL, Open WebUI, Nginx)`,
    ...(system ? ['Requires=docker.service', 'After=docker.service network-online.target', 'Wants=network-online.target'] : ['After=default.target']),
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    `WorkingDirectory=${spec.dir.replace(/%/g, '%%')}`,
    `Environment=${quoteExecArg(`PATH=${spec.path}`)} "NO_COLOR=1" "CI=1"`,
    `ExecStart=${exec('start', '--dir', spec.dir)}`,
    `ExecStop=${exec('stop', '--dir', spec.dir)}`,
    `TimeoutStartSec=${spec.startTimeoutSeconds}`,
    'TimeoutStopSec=180',
    '',
    '[Install]',
    `WantedBy=${system ? 'multi-user.target' : 'default.target'}`,
    '',
  ].join('\n');
}
