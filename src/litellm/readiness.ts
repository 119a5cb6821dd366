/**
 * LiteLLM's readiness, in one place: where this machine reaches the proxy, what a
 * `/health/readiness` answer means (docs/litellm-contract.md §3: 200, status "healthy", and db
 * "connected" or "Not connected" when the field is there; 503 = not ready), and the one-shot probe
 * `start` and `status` use. The client's `readiness()` and `waitUntilReady()` judge answers here too.
 *
 * The probe asks once, no retry: the wait loop decides when to ask again. Its outcome says whether
 * anything answered at all, so the wait can tell a booting proxy (refused) from a wedged one
 * (accepts connections, never answers). Its shape is the `ReadinessProbe` that
 * src/docker/wait-healthy.ts expects (structural, so this layer need not import Docker's).
 */
import type { Context } from '../core/context.js';
import { describeNetworkError, type HttpFetch, type HttpResponse } from '../core/http.js';
import type { GatewaySettings } from '../gateway/settings.js';
import { SERVICES } from '../gateway/settings.js';
import { readinessResponseSchema, type Readiness } from './schemas.js';

export interface ReadinessOutcome {
  state: 'ready' | 'not-ready' | 'unreachable' | 'no-answer';
  ready: boolean;
  detail: string;
}

export interface LiteLLMReadinessProbe {
  service: string;
  check(timeoutMs: number, signal?: AbortSignal): Promise<ReadinessOutcome>;
}

/** A readiness answer judged: ready or not, why, and the body when it had the documented shape. */
export interface ReadinessVerdict {
  ready: boolean;
  reason: string;
  body: Readiness | null;
}

/** Where this machine reaches LiteLLM's published port (0.0.0.0 is not a destination). */
export function litellmProbeUrl(settings: GatewaySettings): string {
  // Behind Nginx, LiteLLM's own port is published on 127.0.0.1 only (unless EXPOSE_ADMIN=yes).
  if (settings.nginx && settings.exposeAdmin !== true) return `http://127.0.0.1:${settings.ports.litellm}`;
  const bind = settings.bind.replace(/^\[|\]$/g, '');
  const host = bind === '0.0.0.0' ? '127.0.0.1' : bind === '::' ? '[::1]' : bind.includes(':') ? `[${bind}]` : bind;
  return `http://${host}:${settings.ports.litellm}`;
}

/** What a 200 from `/health/readiness` says (contract §3's recommended logic). Non-200 answers are not ready by their status alone. */
export function judgeReadiness(body: unknown): ReadinessVerdict {
  const parsed = readinessResponseSchema().safeParse(body);
  if (!parsed.success) {
    const status = (body as { status?: unknown } | null | undefined)?.status;
    return { ready: false, reason: status === undefined ? 'unexpected readiness body' : `status ${JSON.stringify(status)}`, body: null };
  }
  const data = parsed.data;
  if (data.status !== 'healthy') return { ready: false, reason: `status "${data.status}"`, body: data };
  if (data.db && data.db !== 'connected' && data.db !== 'Not connected') return { ready: false, reason: `database ${data.db}`, body: data };
  return { ready: true, reason: 'ready', body: data };
}

export function litellmReadinessProbe(ctx: Context, settings: GatewaySettings): LiteLLMReadinessProbe {
  const url = `${litellmProbeUrl(settings)}/health/readiness`;
  return {
    service: SERVICES.litellm,
    check: (timeoutMs, signal) => probeReadiness(ctx.http.fetch, url, timeoutMs, signal),
  };
}

export async function probeReadiness(fetcher: HttpFetch, url: string, timeoutMs: number, signal?: AbortSignal): Promise<ReadinessOutcome> {
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
  const verdict = judgeReadiness(body);
  if (!verdict.ready) return { state: 'not-ready', ready: false, detail: verdict.reason };
  return { state: 'ready', ready: true, detail: typeof verdict.body?.db === 'string' ? `db ${verdict.body.db}` : 'ready' };
}
