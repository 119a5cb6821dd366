/**
 * --expose-admin: behind Nginx, LiteLLM's own port (admin API and UI, every management route) is
 * published on 127.0.0.1 only; --bind publishes Nginx, the door that enforces the route policy.
 * Without Nginx LiteLLM is the API door itself and follows --bind, so the flag has no effect.
 */
import { UserError } from '../../core/errors.js';
import { ENV } from '../../gateway/settings.js';
import type { Resolver } from './answers/resolver.js';

const YES = ['yes', 'true', '1', 'on', 'y'];
const NO = ['no', 'false', '0', 'off', 'n'];

function yesNo(value: string, source: string): boolean {
  const v = value.trim().toLowerCase();
  if (YES.includes(v)) return true;
  if (NO.includes(v)) return false;
  throw new UserError('INVALID_OPTION', `${source} must be yes or no, got "${value}".`, { hint: `Set ${source}=yes or ${source}=no.` });
}

/** Flag → AI_GATEWAY_EXPOSE_ADMIN → EXPOSE_ADMIN in .env → no. Warns when the port leaves loopback. */
export function resolveExposeAdmin(r: Resolver, nginx: boolean): boolean {
  const flag = (r.options as { exposeAdmin?: boolean }).exposeAdmin;
  const fromEnv = r.ctx.env.AI_GATEWAY_EXPOSE_ADMIN;
  const prior = r.prior?.get(ENV.exposeAdmin)?.trim();
  const expose =
    typeof flag === 'boolean'
      ? flag
      : fromEnv !== undefined && fromEnv.trim() !== ''
        ? yesNo(fromEnv, 'AI_GATEWAY_EXPOSE_ADMIN')
        : prior
          ? yesNo(prior, `${ENV.exposeAdmin} in .env`)
          : false;
  if (!nginx) {
    if (typeof flag === 'boolean' && flag) r.warnings.push('--expose-admin has no effect without Nginx: LiteLLM is the API door and is published on --bind.');
    return false;
  }
  if (expose) {
    r.warnings.push(
      "--expose-admin: LiteLLM's admin port (key, user, team and spend management, the admin UI) is published on BIND_ADDRESS, not only on 127.0.0.1. Anyone who can reach it and holds the master key or a management key controls the gateway.",
    );
  }
  return expose;
}
