/**
 * The routes through the gateway's own Nginx, as a user meets them: the API base (LiteLLM behind
 * it) and `/` (Open WebUI). Nginx's `/health` only proves Nginx runs; a 502 here means Nginx
 * cannot reach the container behind the route (a stale address, a stopped service), which
 * `start` must call a failed start and `doctor` a failed check.
 *
 * Lives with the renderer of nginx.conf (it knows which routes Nginx serves) and talks plain HTTP
 * to Nginx through the context's client; no key is sent, so nothing here can spend or manage.
 */
import type { Clock } from '../core/clock.js';
import { HealthError } from '../core/errors.js';
import { describeNetworkError, type HttpFetch } from '../core/http.js';
import { join } from 'node:path';
import { FILES } from './layout.js';
import { gatewayUrls, SERVICES, type GatewaySettings } from './settings.js';

export type RouteName = 'api' | 'open-webui';

export interface RouteProbe {
  route: RouteName;
  url: string;
  /** The service that must answer behind Nginx. */
  service: string;
  ok: boolean;
  status: number | null;
  /** What was seen, e.g. "401 from LiteLLM", "502 Bad Gateway from Nginx", "connection refused". */
  detail: string;
}

/** Each probe gets this long: the answers are small, an idle stack gives them in milliseconds. */
export const ROUTE_PROBE_TIMEOUT_MS = 5_000;
/**
 * How long `start` keeps asking while routes fail: Nginx re-resolves service names every 5 s
 * (`resolver ... valid=5s`), so a container recreated on a new address is followed within that,
 * plus a keep-alive connection to the old address timing out.
 */
export const ROUTE_SETTLE_MS = 12_000;
const RETRY_EVERY_MS = 250;

/** The two routes through Nginx: null when the gateway runs without Nginx. */
export function nginxRoutes(settings: GatewaySettings): { route: RouteName; url: string; service: string }[] | null {
  if (!settings.nginx) return null;
  const urls = gatewayUrls(settings);
  return [
    // Without a key LiteLLM answers its own 401 (JSON): proof the request crossed Nginx to it.
    { route: 'api', url: `${urls.api}/models`, service: SERVICES.litellm },
    { route: 'open-webui', url: urls.openWebui, service: SERVICES.openWebui },
  ];
}

const NGINX_UPSTREAM_FAILURES: Record<number, string> = { 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

export async function probeRoute(fetcher: HttpFetch, route: { route: RouteName; url: string; service: string }, timeoutMs = ROUTE_PROBE_TIMEOUT_MS): Promise<RouteProbe> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetcher(route.url, { headers: { accept: route.route === 'api' ? 'application/json' : 'text/html' }, signal: timeout });
    const body = await response.text();
    const status = response.status;
    const upstreamFailure = NGINX_UPSTREAM_FAILURES[status];
    if (upstreamFailure) return { ...route, ok: false, status, detail: `${status} ${upstreamFailure}: Nginx cannot reach ${route.service}` };
    if (route.route === 'api') {
      const json = isJson(body);
      if ((status === 401 || status === 200) && json) return { ...route, ok: true, status, detail: `${status} from LiteLLM` };
      return { ...route, ok: false, status, detail: `${status}${json ? '' : ' (not JSON)'}, not LiteLLM's answer (401 without a key)` };
    }
    if (status >= 200 && status < 400) return { ...route, ok: true, status, detail: `${status} from Open WebUI` };
    return { ...route, ok: false, status, detail: `${status} from ${route.url}` };
  } catch (error) {
    const detail = timeout.aborted ? `no answer within ${Math.round(timeoutMs / 1000)} s` : describeNetworkError(error, timeoutMs).reason;
    return { ...route, ok: false, status: null, detail };
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The fetch the route checks use: with HTTPS, one that trusts exactly the gateway's own
 * certificate (tls/cert.pem, which Nginx serves) whatever names it carries, so a route check
 * proves routing without depending on this machine's trust store; doctor checks trust and names.
 */
export async function routeFetcher(deps: { http: { fetch: HttpFetch }; fs: { readText(path: string): Promise<string | null> } }, dir: string, settings: GatewaySettings): Promise<HttpFetch> {
  if (!settings.tls) return deps.http.fetch;
  const pinned = await deps.fs.readText(join(dir, FILES.tlsCert));
  if (pinned === null) return deps.http.fetch; // the probe then fails on the certificate, and says so
  return (url, init = {}) => deps.http.fetch(url, { ...init, pinnedCertificate: pinned });
}

export async function probeRoutes(fetcher: HttpFetch, settings: GatewaySettings, timeoutMs = ROUTE_PROBE_TIMEOUT_MS): Promise<RouteProbe[]> {
  const routes = nginxRoutes(settings);
  if (!routes) return [];
  return Promise.all(routes.map((route) => probeRoute(fetcher, route, timeoutMs)));
}

/**
 * Probes until every route answers or `settleMs` passes (what fails the first time while Nginx
 * re-resolves is not yet a failure). Returns the last probes; check `.every(p => p.ok)`.
 */
export async function waitForRoutes(deps: { fetch: HttpFetch; clock: Clock }, settings: GatewaySettings, settleMs = ROUTE_SETTLE_MS): Promise<RouteProbe[]> {
  const until = deps.clock.now() + settleMs;
  for (;;) {
    const probes = await probeRoutes(deps.fetch, settings, Math.max(1_000, Math.min(ROUTE_PROBE_TIMEOUT_MS, until - deps.clock.now())));
    if (probes.every((p) => p.ok) || deps.clock.now() >= until) return probes;
    await deps.clock.sleep(RETRY_EVERY_MS);
  }
}

/** The failed start, named as such: which route, what Nginx said, what to do. */
export function routeFailure(probes: RouteProbe[], dir: string): HealthError {
  const failed = probes.filter((p) => !p.ok);
  const services = [...new Set(failed.map((p) => p.service))];
  return new HealthError(
    'NGINX_ROUTE_FAILED',
    `Every container is healthy, but through Nginx ${failed.map((p) => `${p.url} gives ${p.detail}`).join('; ')}.`,
    {
      hint: `See why: "ai-gateway logs nginx ${services.join(' ')} --dir ${dir}"; "ai-gateway start --dir ${dir}" again once fixed ("ai-gateway doctor --dir ${dir}" checks the routes).`,
      details: { routes: probes.map(({ route, url, status, ok, detail }) => ({ route, url, status, ok, detail })) },
    },
  );
}
