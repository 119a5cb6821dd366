/**
 * The pull phase of `start`: before `compose up`, so a download is never counted against the
 * health timeout and Ctrl-C leaves nothing half-created. Images the engine has are skipped
 * (`--pull missing`, the default), every image is pulled (`always`), or none (`never`: a missing
 * image is an error naming it). Missing images are pulled in parallel (the daemon itself caps
 * concurrent layer downloads) with progress on stderr (pull-progress.ts).
 */
import type { Context } from '../core/context.js';
import { CancelledError, PullError, type AppError } from '../core/errors.js';
import { imageSizes, missingImages, type ServiceImage } from './images.js';
import { PullProgress, pullImage } from './pull.js';
import { PullView, type PullItem } from './pull-progress.js';

export const PULL_POLICIES = ['missing', 'always', 'never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

export interface ImagePull {
  image: string;
  services: string[];
  /** present: the engine had it (skipped); pulled: downloaded now. */
  action: 'present' | 'pulled';
  /** Size on disk after the pull (docker image inspect); null for images not pulled now. */
  sizeBytes: number | null;
  /** How long its pull took; null when not pulled. */
  seconds: number | null;
}

export interface PullSummary {
  policy: PullPolicy;
  images: ImagePull[];
  /** How many were pulled now. */
  pulled: number;
  /** Wall time of the whole phase (the health timeout starts after it). */
  seconds: number;
}

const TICK_MS = 1_000;

export async function pullPhase(ctx: Context, images: ServiceImage[], options: { policy: PullPolicy; signal?: AbortSignal }): Promise<PullSummary> {
  const started = ctx.clock.now();
  const byImage = new Map<string, string[]>();
  for (const { service, image } of images) byImage.set(image, [...(byImage.get(image) ?? []), service]);
  const all = [...byImage.keys()];
  const toPull = options.policy === 'always' ? new Set(all) : await missingImages(ctx, all);

  if (options.policy === 'never' && toPull.size > 0) {
    const names = [...toPull].map((image) => `${image} (${(byImage.get(image) ?? []).join(', ')})`);
    throw new PullError('IMAGE_MISSING', `--pull never, but Docker does not have ${names.join(', ')}.`, {
      hint: `Pull ${toPull.size === 1 ? 'it' : 'them'} ("${[...toPull].map((i) => `docker pull ${i}`).join('; ')}") or run "ai-gateway start --dir ${ctx.dir} --pull missing".`,
      details: { missing: [...toPull] },
    });
  }
  const summary = (pulled: Map<string, { sizeBytes: number | null; seconds: number }>): PullSummary => ({
    policy: options.policy,
    images: all.map((image) => {
      const done = pulled.get(image);
      return {
        image,
        services: byImage.get(image) ?? [],
        action: done ? 'pulled' : 'present',
        sizeBytes: done?.sizeBytes ?? null,
        seconds: done ? done.seconds : null,
      };
    }),
    pulled: pulled.size,
    seconds: (ctx.clock.now() - started) / 1000,
  });
  if (options.signal?.aborted) throw new CancelledError('Cancelled before the image pull; nothing was created.');
  if (toPull.size === 0) return summary(new Map());

  const items: PullItem[] = [...toPull].map((image) => ({ progress: new PullProgress(image), services: byImage.get(image) ?? [], startedAt: ctx.clock.now() }));
  const view = new PullView(ctx.out, items, () => ctx.clock.now());
  await view.start();
  const stopAll = new AbortController();
  const onCancel = () => stopAll.abort();
  options.signal?.addEventListener('abort', onCancel, { once: true });
  const stopTicker = new AbortController();
  const ticker = (async () => {
    while (!stopTicker.signal.aborted) {
      await ctx.clock.sleep(TICK_MS, stopTicker.signal);
      if (!stopTicker.signal.aborted) view.tick();
    }
  })();

  let failures: AppError[] = [];
  try {
    const runs = await Promise.all(
      items.map(async (item) => {
        const run = await pullImage(ctx, item.progress, { signal: stopAll.signal, onChange: () => view.changed() });
        item.endedAt = ctx.clock.now();
        if (run.ok) item.sizeBytes = (await imageSizes(ctx, [item.progress.image])).get(item.progress.image) ?? null;
        else if (run.cancelled) item.stopped = true;
        else item.failed = true;
        view.changed(item);
        return run;
      }),
    );
    failures = runs.flatMap((run) => (run.error ? [run.error] : []));
  } catch (error) {
    view.finish(false); // never leave a spinner running behind an unexpected error
    throw error;
  } finally {
    stopTicker.abort();
    await ticker;
    options.signal?.removeEventListener('abort', onCancel);
  }
  const cancelled = options.signal?.aborted === true;
  view.finish(!cancelled && failures.length === 0);
  if (cancelled) throw new CancelledError('Cancelled while pulling images; nothing was created (the pull runs before any container).');
  const [first] = failures;
  if (first) {
    // Every image's cause, not only the first: a login and a wrong tag are fixed together.
    if (failures.length > 1) first.message = `${first.message}\nAlso: ${failures.slice(1).map((f) => f.message).join('\nAlso: ')}`;
    throw first;
  }
  return summary(new Map(items.map((item) => [item.progress.image, { sizeBytes: item.sizeBytes ?? null, seconds: ((item.endedAt ?? started) - item.startedAt) / 1000 }])));
}
