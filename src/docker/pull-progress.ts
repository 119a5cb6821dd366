/**
 * How a pull looks while it runs. In a terminal: one live block (the spinner redraws it in
 * place), a line per image with its layers done of total. Without one (a pipe, CI, --json): a
 * plain line per image every few seconds on stderr, and one when an image is done, so a log shows
 * that something moves without a line per layer event.
 */
import type { Output, Spinner } from '../core/output.js';
import type { PullProgress } from './pull.js';

export const PLAIN_LINE_INTERVAL_MS = 5_000;

export interface PullItem {
  progress: PullProgress;
  services: string[];
  startedAt: number;
  /** Set when the pull ended. */
  endedAt?: number;
  sizeBytes?: number | null;
  failed?: boolean;
  /** Cancelled (Ctrl-C) before it finished. */
  stopped?: boolean;
}

/** "3/12 layers downloaded, 2 extracted" (or what the pull is doing before it knows its layers). */
export function describeProgress(progress: PullProgress): string {
  const total = progress.layers.size;
  if (total === 0) return progress.finished ? 'done' : 'resolving';
  const reused = progress.reused.size;
  const parts = [`${progress.count('downloaded')}/${total} layers downloaded`, `${progress.count('done')}/${total} extracted`];
  if (reused > 0) parts.push(`${reused} already here`);
  if (progress.retrying) parts.push(progress.retrying.toLowerCase());
  return parts.join(', ');
}

export function itemLine(item: PullItem, now: number): string {
  const seconds = formatSeconds((item.endedAt ?? now) - item.startedAt);
  const name = `${item.services.join(', ')} (${item.progress.image})`;
  if (item.failed) return `✖ ${name}: failed after ${seconds}`;
  if (item.stopped) return `✖ ${name}: stopped after ${seconds}`;
  if (item.endedAt !== undefined) return `✔ ${name}: pulled${item.sizeBytes ? `, ${formatBytes(item.sizeBytes)}` : ''} in ${seconds}`;
  return `… ${name}: ${describeProgress(item.progress)} · ${seconds}`;
}

export function formatSeconds(ms: number): string {
  return `${Math.max(0, Math.round(ms / 1000))} s`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export class PullView {
  private spinner: Spinner | undefined;
  private readonly lastPrinted = new Map<PullItem, number>();
  private readonly startedAt: number;

  constructor(
    private readonly out: Output,
    private readonly items: PullItem[],
    private readonly now: () => number,
  ) {
    this.startedAt = now();
  }

  async start(): Promise<void> {
    const title = `Pulling ${this.items.length} image${this.items.length === 1 ? '' : 's'}`;
    if (this.out.live) {
      this.spinner = await this.out.spinner(this.block());
      return;
    }
    this.out.progress(`› ${title}: ${this.items.map((i) => i.progress.image).join(', ')}`);
    for (const item of this.items) this.lastPrinted.set(item, this.now());
  }

  /** Something changed (a layer moved, an image finished). */
  changed(item?: PullItem): void {
    if (this.spinner) {
      this.spinner.update(this.block());
      return;
    }
    if (item && item.endedAt !== undefined) {
      this.out.progress(itemLine(item, this.now()));
      this.lastPrinted.set(item, Infinity);
    }
  }

  /** Called about once a second: redraws the live block, or prints the lines that are due. */
  tick(): void {
    if (this.spinner) {
      this.spinner.update(this.block());
      return;
    }
    const now = this.now();
    for (const item of this.items) {
      if (item.endedAt !== undefined) continue;
      if (now - (this.lastPrinted.get(item) ?? 0) >= PLAIN_LINE_INTERVAL_MS) {
        this.out.progress(itemLine(item, now));
        this.lastPrinted.set(item, now);
      }
    }
  }

  finish(ok: boolean): void {
    const done = this.items.filter((i) => i.endedAt !== undefined && !i.failed && !i.stopped).length;
    const text = `${ok ? 'Pulled' : 'Pull stopped:'} ${done} of ${this.items.length} image${this.items.length === 1 ? '' : 's'} in ${formatSeconds(this.now() - this.startedAt)}`;
    if (this.spinner) {
      const lines = [text, ...this.items.map((i) => `  ${itemLine(i, this.now())}`)].join('\n');
      if (ok) this.spinner.succeed(lines);
      else this.spinner.fail(lines);
      return;
    }
    this.out.progress(`${ok ? '✔' : '✖'} ${text}`);
  }

  private block(): string {
    const head = `Pulling ${this.items.length} image${this.items.length === 1 ? '' : 's'} · ${formatSeconds(this.now() - this.startedAt)}`;
    return [head, ...this.items.map((i) => `  ${itemLine(i, this.now())}`)].join('\n');
  }
}
