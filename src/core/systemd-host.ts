/**
 * The host's init system as handlers see it through `ctx.systemd` (service install|uninstall|status).
 * The implementation, the one module that spawns systemctl / loginctl / systemd-analyze, is
 * src/host/systemd.ts, plugged in at the composition root (src/context.ts).
 */
import type { ExecResult } from './docker-client.js';

export type SystemdProgram = 'systemctl' | 'loginctl' | 'systemd-analyze';

export interface SystemdHost {
  /** True when systemd is the running init (what sd_booted(3) checks). */
  booted(): Promise<boolean>;
  run(program: SystemdProgram, args: string[], options?: { timeoutMs?: number }): Promise<ExecResult>;
  /** Who runs this process: root installs system units, others user units. */
  user(): { uid: number; name: string };
}
