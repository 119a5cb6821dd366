/**
 * --expose-admin: behind Nginx, LiteLLM's own port (admin API and UI, every management route) is
 * published on 127.0.0.1 only; --bind publishes Nginx, the door that enforces the route policy.
 * Without Nginx LiteLLM is the API door itself and follows --bind, so the flag has no effect.
 */
import { ENV } from '../../gateway/settings.js';
import { yesNoAnswer, type Resolver } from './answers/resolver.js';

/** Flag → AI_GATEWAY_EXPOSE_ADMIN → EXPOSE_ADMIN in .env → no. Warns when the port leaves loopback. */
export function resolveExposeAdmin(r: Resolver, nginx: boolean): boolean {
  const flag = r.options.exposeAdmin;
  const expose = yesNoAnswer(r, 'exposeAdmin', 'AI_GATEWAY_EXPOSE_ADMIN', ENV.exposeAdmin) ?? false;
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
