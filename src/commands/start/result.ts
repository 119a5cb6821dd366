/** What `start` returns and the seams its tests use: shared by the Compose path (start.handler.ts) and the Swarm one (swarm.ts). */
import type { Context } from '../../core/context.js';
import type { Gateway } from '../../gateway/layout.js';
import type { ServiceRow, StackUrls } from '../shared/status-view.js';
import type { Interrupts } from '../../core/interrupt.js';
import type { PullSummary } from '../../docker/pull-phase.js';

export type OpenWebuiKeyAction = 'created' | 'rotated' | 'kept';

export interface StartResult {
  project: string;
  dir: string;
  /** The stack was already running and healthy with unchanged files: nothing was touched. */
  alreadyRunning: boolean;
  /** false with --no-wait. */
  waited: boolean;
  healthy: boolean;
  elapsedMs: number;
  /** The Compose used, e.g. "docker-compose 1.29.2" (null when nothing had to run). */
  compose: string | null;
  /** Services Compose (re)created or we restarted to apply changed files. */
  changed: string[];
  openWebuiKey: OpenWebuiKeyAction | 'skipped';
  /** The pull phase (before `up`, outside the health timeout); null when the stack was already running. */
  pull: PullSummary | null;
  services: ServiceRow[];
  urls: StackUrls;
  /** The first healthy start of this gateway (.ai-gateway/first-start.json): Open WebUI's first account becomes its admin. */
  firstStart: boolean;
  /** What to run next, from the user's current directory (with --dir when the gateway is elsewhere). */
  next: string[];
}

/** Seams for tests; production uses the real modules. */
export interface StartDeps {
  ensureOpenWebuiKey(ctx: Context, gateway: Gateway, options: { timeoutMs: number }): Promise<{ action: OpenWebuiKeyAction; changed: boolean }>;
  /** Ctrl-C / SIGTERM while images are pulled (tests abort their own controller). */
  interrupts?(): Interrupts;
}
