/**
 * VIRTUAL_KEY in `.env`: written and removed through the same writer as setup (EnvFile keeps
 * comments, order and unknown keys; writeAtomic gives mode 600 and no torn file), under the
 * directory lock, re-reading the file inside the lock so a concurrent edit is not lost.
 * It lives here, not in src/litellm/: the gateway directory's files are this layer's job.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../core/context.js';
import { acquireLock, LOCK_FILE, type Lock } from '../core/lock.js';
import { sha256Hex } from '../core/crypto.js';
import { EnvFile } from './env-file.js';
import { FILES } from './layout.js';
import { ENV } from './settings.js';

export const VIRTUAL_KEY_COMMENT = ['Virtual key used by Open WebUI and your apps (managed by "ai-gateway key"; never commit it)'];

/** Does VIRTUAL_KEY in `env` hold the key whose sha256 is `token` (LiteLLM's token, docs/litellm-contract.md §4.1)? */
export function envHoldsToken(env: EnvFile, token: string): boolean {
  const current = env.get(ENV.virtualKey);
  return Boolean(current) && sha256Hex(current as string) === token;
}

/**
 * Change `.env` in `dir`. `mutate` returns false to leave the file untouched.
 * Returns whether the file was written.
 */
export async function editEnvFile(ctx: Context, dir: string, purpose: string, mutate: (env: EnvFile) => boolean): Promise<boolean> {
  const lock = await lockUnlessHeldByUs(ctx, dir, purpose);
  try {
    const path = join(dir, FILES.env);
    const text = (await ctx.fs.readText(path)) ?? '';
    const env = EnvFile.parse(text, path);
    if (!mutate(env)) return false;
    await ctx.fs.writeAtomic(path, env.toString());
    return true;
  } finally {
    await lock?.release();
  }
}

export async function saveVirtualKey(ctx: Context, dir: string, key: string): Promise<void> {
  await editEnvFile(ctx, dir, 'save VIRTUAL_KEY', (env) => {
    env.set(ENV.virtualKey, key, VIRTUAL_KEY_COMMENT);
    return true;
  });
}

/** Replace VIRTUAL_KEY only if it still holds the key with sha256 `oldToken`. */
export async function switchVirtualKeyIfHeld(ctx: Context, dir: string, oldToken: string, newKey: string): Promise<boolean> {
  return editEnvFile(ctx, dir, 'switch VIRTUAL_KEY', (env) => {
    if (!envHoldsToken(env, oldToken)) return false;
    env.set(ENV.virtualKey, newKey, VIRTUAL_KEY_COMMENT);
    return true;
  });
}

/** Remove VIRTUAL_KEY only if it holds the key with sha256 `token`. */
export async function removeVirtualKeyIfHeld(ctx: Context, dir: string, token: string): Promise<boolean> {
  return editEnvFile(ctx, dir, 'remove VIRTUAL_KEY', (env) => {
    if (!envHoldsToken(env, token)) return false;
    env.delete(ENV.virtualKey);
    return true;
  });
}

/**
 * `start` may already hold the directory lock when it calls ensureOpenWebuiKey; the lock is not
 * re-entrant, so a lock held by this very process is treated as ours.
 */
async function lockUnlessHeldByUs(ctx: Context, dir: string, purpose: string): Promise<Lock | null> {
  try {
    const holder = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as { pid?: unknown };
    if (holder.pid === process.pid) return null;
  } catch {
    // no lock file (the usual case), or one being written: acquireLock sorts it out
  }
  return acquireLock(dir, { clock: ctx.clock, purpose });
}
