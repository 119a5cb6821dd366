/**
 * LiteLLM's readiness as part of "healthy": the container healthcheck only proves the process
 * answers; `/health/readiness` proves its database is connected (contract §3: 200, status
 * "healthy", and db "connected" or "Not connected" when the field is there; 503 = not ready).
 * One probe per call, no retry: the wait loop decides when to ask again. The outcome says
 * whether anything answered at all, so the wait can tell a booting proxy (refused) from a
 * wedged one (accepts connections, never answers).
 */
import type { Context } from '../../core/context.js';
import { describeNetworkError, type HttpFetch, type HttpResponse } from '../../core/http.js';
import type { GatewaySettings } from '../../gateway/settings.js';
import { SERVICES } from '../../gateway/settings.js';
import type { ReadinessProbe, ReadinessResult } from '../../docker/wait-healthy.js';

/** Where this machine reaches LiteLLM's published port (0.0.0.0 is not a destination). */
export function litellmProbeUrl(settings: GatewaySettings): string {
  // Behind Nginx, LiteLLM's own port is published on 127.0.0.1 only (unless EXPOSE_ADMIN=yes).
  if (settings.nginx && settings.exposeAdmin !== true) return `http://127.0.0.1:${settings.ports.litellm}`;
  const bind = settings.bind.replace(/^\[|\]$/g, '');
  const host = bind === '0.0.0.0' ? '127.0.0.1' : bind === '::' ? '[::1]' : bind.includes(':') ? `[${bind}]` : bind;
  return `http://${host}:${settings.ports.litellm}`;
}

export function litellmReadinessProbe(ctx: Context, settings: GatewaySettings): ReadinessProbe {
  const url = `${litellmProbeUrl(settings)}/health/readiness`;
  return {
    service: SERVICES.litellm,
    check: (timeoutMs, signal) => probeReadiness(ctx.http.fetch, url, timeoutMs, signal),
  };
}

export async function probeReadiness(fetcher: HttpFetch, url: string, timeoutMs: number, signal?: AbortSignal): Promise<ReadinessResult> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: HttpResponse;
  try {
    response = await fetcher(url, { headers: { accept: 'application/json' }, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (error) {
    if (timeout.aborted) return { state: 'no-answer', ready: false, detail: `no answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}` };
    return { state: 'unreachable', ready: false, detail: describeNetworkError(error, timeoutMs).reason };
  }
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    body = undefined;
  }
  if (response.status !== 200) return { state: 'not-ready', ready: false, detail: `HTTP ${response.status}` };
  const status = (body as { status?: unknown } | undefined)?.status;
  const db = (body as { db?: unknown } | undefined)?.db;
  if (status !== 'healthy') return { state: 'not-ready', ready: false, detail: `status ${JSON.stringify(status ?? null)}` };
  if (typeof db === 'string' && db !== 'connected' && db !== 'Not connected') return { state: 'not-ready', ready: false, detail: `database ${db}` };
  return { state: 'ready', ready: true, detail: typeof db === 'string' ? `db ${db}` : 'ready' };
}
