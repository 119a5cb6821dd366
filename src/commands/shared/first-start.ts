/**
 * The first minutes after `start`. Open WebUI makes the first account created its administrator
 * (upstream routers/auths.py: role "admin" when it has no users yet, then it turns sign-up off), so
 * the first successful start says so, with the URL, and warns when the gateway is published beyond
 * this machine. "First" is ours to know, not Open WebUI's (its users are not visible from outside):
 * `.ai-gateway/first-start.json`, written by the first healthy start. It outlives `stop` (the users
 * stay in the volume) and is removed by `stop --volumes`, which deletes them.
 *
 * Open WebUI also keeps its OpenAI connection in its own database once an admin saves it in
 * Admin Panel > Settings > Connections (a PersistentConfig: from then on the saved value wins over
 * OPENAI_API_KEYS in the environment), so a new VIRTUAL_KEY reaches it only if nobody saved one.
 */
import { join } from 'node:path';
import type { Context } from '../../core/context.js';
import { gatewayCommand } from '../../core/shell.js';
import { RECORD_FILE } from '../../docker/start-record.js';
import type { StackUrls } from './status-view.js';

export const FIRST_START_FILE = join('.ai-gateway', 'first-start.json');

/**
 * No healthy start recorded yet: a healthy end of this one is the first. A start record without
 * the marker means an earlier version started this gateway (and Open WebUI may have its admin):
 * not a first start, and the marker is written now.
 */
export async function isFirstStart(ctx: Context): Promise<boolean> {
  if ((await ctx.fs.readText(join(ctx.dir, FIRST_START_FILE))) !== null) return false;
  if ((await ctx.fs.readText(join(ctx.dir, RECORD_FILE))) === null) return true;
  await recordFirstStart(ctx);
  return false;
}

/** Called once the first start is healthy. */
export async function recordFirstStart(ctx: Context): Promise<void> {
  await ctx.fs.mkdirp(join(ctx.dir, '.ai-gateway'));
  await ctx.fs.writeAtomic(join(ctx.dir, FIRST_START_FILE), `${JSON.stringify({ version: 1, firstStartedAt: new Date(ctx.clock.now()).toISOString() })}\n`);
}

/** After `stop --volumes`: Open WebUI's users are gone, so the next first account is an administrator again. */
export async function forgetFirstStart(ctx: Context): Promise<void> {
  await ctx.fs.remove(join(ctx.dir, FIRST_START_FILE));
}

function isLoopback(bind: string): boolean {
  return bind.startsWith('127.') || bind === '::1' || bind === '[::1]' || bind === 'localhost';
}

/** The line `start` prints after its first healthy start. */
export function firstAccountNote(urls: StackUrls): string {
  return `Open WebUI: the first account created at ${urls.local.openWebui} becomes its administrator; create yours now.`;
}

/** Published beyond loopback, whoever reaches Open WebUI first owns it. */
export function warnIfClaimable(ctx: Context, bind: string, urls: StackUrls): void {
  if (isLoopback(bind)) return;
  const where = urls.lan?.openWebui ?? urls.local.openWebui;
  ctx.out.warn(
    `Open WebUI is published on ${bind}: anyone who can reach ${where} can create the first account and become its administrator. ` +
      `Create yours now, or keep it on this machine until you have: ${gatewayCommand(ctx, 'setup --yes --bind 127.0.0.1')}, then ${gatewayCommand(ctx, 'start')}.`,
  );
}

/**
 * Open WebUI keeps its OpenAI connection in its own database once an admin saves it (Admin Panel >
 * Settings > Connections; a PersistentConfig), and from then on ignores OPENAI_API_KEYS from the
 * environment: a new VIRTUAL_KEY must be pasted there too. Said wherever VIRTUAL_KEY changes.
 */
export function savedConnectionNote(ctx: Pick<Context, 'dir' | 'cwd'>): string {
  return (
    'If an admin ever saved the OpenAI connection in Open WebUI (Admin Panel > Settings > Connections), Open WebUI keeps using the key saved in its database ' +
    `and ignores the new one from the environment: open that connection and paste the new key (${gatewayCommand(ctx, 'status -o env')} prints it as OPENAI_API_KEY).`
  );
}

/** VIRTUAL_KEY changed after Open WebUI may already have saved a connection key of its own. */
export function warnSavedConnectionKey(ctx: Context): void {
  ctx.out.warn(`Open WebUI's key (VIRTUAL_KEY in .env) changed. ${savedConnectionNote(ctx)}`);
}
