/**
 * LiteLLM's readiness as part of "healthy": the container healthcheck only proves the process
 * answers; `/health/readiness` proves its database is connected (contract §3). One probe per
 * call, no retry: the wait loop decides when to ask again.
 */
import type { Context } from '../../core/context.js';
import type { GatewaySettings } from '../../gateway/settings.js';
import { SERVICES } from '../../gateway/settings.js';
import { LiteLLMClient } from '../../litellm/client.js';
import type { ReadinessProbe } from '../../docker/wait-healthy.js';

/** Where this machine reaches LiteLLM's published port (0.0.0.0 is not a destination). */
export function litellmProbeUrl(settings: GatewaySettings): string {
  const bind = settings.bind.replace(/^\[|\]$/g, '');
  const host = bind === '0.0.0.0' ? '127.0.0.1' : bind === '::' ? '[::1]' : bind.includes(':') ? `[${bind}]` : bind;
  return `http://${host}:${settings.ports.litellm}`;
}

export function litellmReadinessProbe(ctx: Context, settings: GatewaySettings): ReadinessProbe {
  const baseUrl = litellmProbeUrl(settings);
  return {
    service: SERVICES.litellm,
    async check(timeoutMs) {
      const client = new LiteLLMClient({
        baseUrl,
        apiKey: undefined,
        keyRole: 'none',
        fetch: ctx.http.fetch,
        clock: ctx.clock,
        out: ctx.out,
        waitTimeoutMs: 0,
        requestTimeoutMs: timeoutMs,
      });
      const probe = await client.readiness();
      return { ready: probe.ready, detail: probe.ready ? `db ${probe.body?.db ?? 'not reported'}` : probe.reason };
    },
  };
}
