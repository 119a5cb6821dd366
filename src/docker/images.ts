/**
 * Which images a stack runs, and which of them the engine already has. The image names come from
 * the compose files as Compose reads them: `image:` of every service (the override file wins),
 * with `${VAR}` taken from `.env` first and the shell second (the variables `.env` defines are
 * removed from Compose's environment, compose.ts). A value this module cannot interpolate itself
 * is left to `compose config`, the authority (v1 and v2 print the same rendered YAML).
 */
import { parseDocument } from 'yaml';
import type { Context } from '../core/context.js';
import { FILES, type Gateway } from '../gateway/layout.js';
import type { ComposeProject } from './compose.js';
import { daemonError } from './engine.js';

export interface ServiceImage {
  service: string;
  image: string;
}

/** `image:` per service of the stack, in the order of `services` (services without one are left out). */
export async function stackImages(ctx: Context, gateway: Gateway, services: string[], compose: ComposeProject): Promise<ServiceImage[]> {
  const raw = new Map<string, string>();
  for (const file of [FILES.compose, FILES.override]) {
    const doc = parseDocument((await ctx.fs.readText(gateway.path(file))) ?? '');
    const defined = (doc.toJS() as { services?: Record<string, { image?: unknown } | null> } | null)?.services ?? {};
    for (const [service, spec] of Object.entries(defined)) if (typeof spec?.image === 'string') raw.set(service, spec.image);
  }
  const lookup = (name: string) => gateway.env.get(name) ?? ctx.env[name];
  const resolved = new Map<string, string>();
  for (const [service, value] of raw) {
    const image = interpolate(value, lookup);
    if (image === null) return renderedImages(ctx, services, compose);
    resolved.set(service, image);
  }
  return services.flatMap((service) => {
    const image = resolved.get(service);
    return image ? [{ service, image }] : [];
  });
}

/**
 * Compose's interpolation for the forms our templates and users write: `$$`, `$NAME`, `${NAME}`,
 * `${NAME:-default}`, `${NAME-default}`. Anything else (`${NAME:?error}`, nesting) returns null.
 */
export function interpolate(value: string, lookup: (name: string) => string | undefined): string | null {
  let unsupported = false;
  const out = value.replace(/\$(\$|[A-Za-z_][A-Za-z0-9_]*|\{([^}]*)\}|)/g, (_match, body: string, braced: string | undefined) => {
    if (body === '$') return '$';
    if (body === '') {
      unsupported = true; // a lone "$": Compose calls it an invalid interpolation format
      return '';
    }
    if (braced === undefined) return lookup(body) ?? '';
    const form = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)(.*))?$/.exec(braced);
    if (!form || (form[3] ?? '').includes('$')) {
      unsupported = true;
      return '';
    }
    const current = lookup(form[1] ?? '');
    if (form[2] === ':-') return current === undefined || current === '' ? (form[3] ?? '') : current;
    if (form[2] === '-') return current ?? form[3] ?? '';
    return current ?? '';
  });
  return unsupported ? null : out;
}

async function renderedImages(ctx: Context, services: string[], compose: ComposeProject): Promise<ServiceImage[]> {
  const rendered = await compose.run(['config']);
  if (rendered.exitCode !== 0) {
    const { UserError } = await import('../core/errors.js');
    throw new UserError('COMPOSE_FILE_INVALID', `Compose rejects the files in ${ctx.dir}: ${(rendered.stderr || rendered.stdout).trim().split('\n')[0] ?? ''}`, {
      hint: `Fix the file it names, or run "ai-gateway setup --dir ${ctx.dir}" to render the files again (secrets and settings in .env are kept).`,
    });
  }
  const defined = (parseDocument(rendered.stdout).toJS() as { services?: Record<string, { image?: unknown } | null> } | null)?.services ?? {};
  return services.flatMap((service) => {
    const image = defined[service]?.image;
    return typeof image === 'string' && image !== '' ? [{ service, image }] : [];
  });
}

/** The subset of `images` the engine does not have (one `docker image inspect` for all). */
export async function missingImages(ctx: Context, images: string[]): Promise<Set<string>> {
  const unique = [...new Set(images)];
  if (unique.length === 0) return new Set();
  const result = await ctx.docker.docker(['image', 'inspect', '--format', '{{.Id}}', ...unique], { timeoutMs: 30_000 });
  if (result.exitCode === 0) return new Set();
  const text = result.stderr.toLowerCase();
  const missing = new Set(unique.filter((image) => [image, `${image}:latest`].some((name) => text.includes(`no such image: ${name.toLowerCase()}`))));
  if (missing.size === 0) throw daemonError(ctx, result);
  return missing;
}

/** Size in bytes the engine reports for each image (null when it cannot say). */
export async function imageSizes(ctx: Context, images: string[]): Promise<Map<string, number | null>> {
  const sizes = await Promise.all(
    images.map(async (image) => {
      const result = await ctx.docker.docker(['image', 'inspect', '--format', '{{.Size}}', image], { timeoutMs: 30_000 });
      const size = Number(result.stdout.trim());
      return [image, result.exitCode === 0 && Number.isFinite(size) && result.stdout.trim() !== '' ? size : null] as const;
    }),
  );
  return new Map(sizes);
}
