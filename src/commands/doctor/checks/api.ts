/**
 * API: LiteLLM's liveliness and readiness (database connected), its OpenAPI document, `/v1/models`
 * with the virtual key through Nginx and directly, the admin paths refused by Nginx, and recent
 * container logs free of errors. One request per probe, no retries: doctor reports the state now.
 */
import type { Context } from '../../../core/context.js';
import { tailContainerLogs } from '../../../docker/logs.js';
import { ENV, gatewayUrls, SERVICES, type GatewaySettings } from '../../../gateway/settings.js';
import { LiteLLMClient } from '../../../litellm/client.js';
import { API_KEY_ENV_VARS } from '../../../litellm/connection.js';
import type { KeyRole } from '../../../litellm/errors.js';
import { litellmProbeUrl } from '../../../litellm/readiness.js';
import { fail, failFromError, firstLine, ok, skip, warn, type Check } from '../registry.js';
import type { DoctorState } from '../state.js';

/** Per request: a loaded machine can take seconds to answer; a hung proxy is still reported within this. */
export const PROBE_TIMEOUT_MS = 10_000;
/**
 * How long a probe keeps retrying what goes away by itself (503, "DB not connected", a reset
 * connection): long enough to ride out a database query that timed out once under load, short
 * enough that doctor still reports a real outage within seconds.
 */
export const TRANSIENT_RETRY_MS = 3_000;

function client(ctx: Context, baseUrl: string, apiKey: string | undefined, keyRole: KeyRole): LiteLLMClient {
  return new LiteLLMClient({ baseUrl, apiKey, keyRole, fetch: ctx.http.fetch, clock: ctx.clock, out: ctx.out, waitTimeoutMs: TRANSIENT_RETRY_MS, requestTimeoutMs: PROBE_TIMEOUT_MS });
}

/** The public API root through Nginx (…/api/litellm), as apps see it. */
export function nginxApiRoot(settings: GatewaySettings): string {
  return gatewayUrls(settings).api.replace(/\/v1$/, '');
}

/** The key apps use: AI_GATEWAY_API_KEY / LITELLM_PROXY_API_KEY, else VIRTUAL_KEY from .env. */
async function appKey(ctx: Context, state: DoctorState): Promise<{ key: string; source: string; role: KeyRole } | null> {
  for (const name of API_KEY_ENV_VARS) {
    const value = ctx.env[name]?.trim();
    if (value) {
      ctx.out.addSecret(value);
      return { key: value, source: `$${name}`, role: 'override' };
    }
  }
  const value = (await state.envFile()).get(ENV.virtualKey);
  return value ? { key: value, source: `${ENV.virtualKey} in .env`, role: 'virtual' } : null;
}

const LITELLM_DEPS = ['environment.daemon', 'files.env'] as const;

export const liveliness: Check = {
  id: 'api.liveliness',
  group: 'api',
  title: 'LiteLLM /health/liveliness',
  dependsOn: LITELLM_DEPS,
  async run(ctx, state) {
    await state.running(SERVICES.litellm);
    const base = litellmProbeUrl(await state.settings());
    if (await client(ctx, base, undefined, 'none').isAlive()) return ok(`${base}/health/liveliness answers`);
    return fail(`${base}/health/liveliness does not answer.`, 'See why: "ai-gateway logs litellm"; "ai-gateway start" restarts what is down.');
  },
};

export const readiness: Check = {
  id: 'api.readiness',
  group: 'api',
  title: 'LiteLLM /health/readiness (database connected)',
  dependsOn: LITELLM_DEPS,
  async run(ctx, state) {
    await state.running(SERVICES.litellm);
    const base = litellmProbeUrl(await state.settings());
    const probe = await probeReadiness(ctx, base);
    const details = { status: probe.body?.status ?? null, db: probe.body?.db ?? null, litellmVersion: probe.body?.litellm_version ?? null };
    if (probe.ready) {
      if (probe.body?.db === 'Not connected') {
        return fail('LiteLLM runs without a database ("Not connected"): virtual keys cannot work.', 'Its DATABASE_URL comes from docker-compose.yml: run "ai-gateway setup" to render it again, then "ai-gateway start".', details);
      }
      return ok(`status ${probe.body?.status ?? 'healthy'}, database ${probe.body?.db ?? 'not reported'}${probe.body?.litellm_version ? `, LiteLLM ${probe.body.litellm_version}` : ''}`, details);
    }
    const database = /database|db/i.test(probe.reason) || (probe.body?.db !== undefined && probe.body?.db !== 'connected');
    return fail(
      `LiteLLM is not ready: ${probe.reason}.`,
      database
        ? 'PostgreSQL is down or unreachable: "ai-gateway status" shows its state, "ai-gateway logs postgres" why; "ai-gateway start" brings it back.'
        : 'See why: "ai-gateway logs litellm"; "ai-gateway start" restarts what is down.',
      details,
    );
  },
};

/** Readiness once more after a moment when it fails: a database probe can time out under a burst of load, a lost database stays lost. */
async function probeReadiness(ctx: Context, base: string) {
  const first = await client(ctx, base, undefined, 'none').readiness();
  if (first.ready) return first;
  await ctx.clock.sleep(READINESS_RECHECK_MS);
  return client(ctx, base, undefined, 'none').readiness();
}

export const READINESS_RECHECK_MS = 1_500;

export const openapi: Check = {
  id: 'api.openapi',
  group: 'api',
  title: 'LiteLLM /openapi.json',
  dependsOn: LITELLM_DEPS,
  async run(ctx, state) {
    await state.running(SERVICES.litellm);
    const base = litellmProbeUrl(await state.settings());
    try {
      const { summary } = await client(ctx, base, undefined, 'none').openapi();
      const paths = Object.keys(summary.paths).length;
      return ok(`OpenAPI ${summary.openapi}, ${summary.info.title} ${summary.info.version}, ${paths} paths`, { openapi: summary.openapi, version: summary.info.version, paths });
    } catch (error) {
      return failFromError(error, 'See why: "ai-gateway logs litellm".');
    }
  },
};

async function modelsCheck(ctx: Context, state: DoctorState, via: 'nginx' | 'direct') {
  const settings = await state.settings();
  if (via === 'nginx') {
    if (!settings.nginx) skip('Nginx is not used (USE_NGINX=no)');
    await state.running(SERVICES.nginx);
  }
  await state.running(SERVICES.litellm);
  const key = await appKey(ctx, state);
  if (!key) {
    return warn(`${ENV.virtualKey} is not set in .env, so the API cannot be tried with an app key.`, '"ai-gateway start" creates it, or "ai-gateway key create --alias app --save".');
  }
  const base = via === 'nginx' ? nginxApiRoot(settings) : litellmProbeUrl(settings);
  try {
    const models = await client(ctx, base, key.key, key.role).listModels();
    const ids = models.map((m) => m.id);
    return ok(`${base}/v1/models with ${key.source}: ${ids.length} model${ids.length === 1 ? '' : 's'}${ids.length > 0 ? ` (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})` : ''}`, { url: `${base}/v1/models`, keySource: key.source, models: ids });
  } catch (error) {
    return failFromError(error, via === 'nginx' ? 'See why: "ai-gateway logs nginx litellm".' : 'See why: "ai-gateway logs litellm".');
  }
}

export const modelsViaNginx: Check = {
  id: 'api.models-nginx',
  group: 'api',
  title: '/v1/models with the virtual key through Nginx',
  dependsOn: LITELLM_DEPS,
  run: (ctx, state) => modelsCheck(ctx, state, 'nginx'),
};

export const modelsDirect: Check = {
  id: 'api.models-direct',
  group: 'api',
  title: '/v1/models with the virtual key directly',
  dependsOn: LITELLM_DEPS,
  run: (ctx, state) => modelsCheck(ctx, state, 'direct'),
};

/** One path of each admin family; Nginx must answer every one with its own 403. */
export const ADMIN_PROBE_PATHS = [
  '/key/generate',
  '/key/list',
  '/user/list',
  '/team/list',
  '/spend/logs',
  '/config/update',
  '/model/new',
  '/model/info',
  '/ui',
  '/openapi.json',
  '/metrics',
  '/global/spend',
  '/organization/list',
  '/customer/list',
  '/budget/list',
  '/credentials',
] as const;

export const adminBlocked: Check = {
  id: 'api.admin-blocked',
  group: 'api',
  title: 'admin paths refused by Nginx (403)',
  dependsOn: LITELLM_DEPS,
  async run(ctx, state) {
    const settings = await state.settings();
    if (!settings.nginx) skip('Nginx is not used (USE_NGINX=no)');
    await state.running(SERVICES.nginx);
    const root = nginxApiRoot(settings);
    const answers = await Promise.all(
      ADMIN_PROBE_PATHS.map(async (path) => {
        try {
          const response = await ctx.http.fetch(`${root}${path}`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
          await response.text(); // drain, so the kept-alive connection is reusable
          return { path, status: response.status as number | null, error: null as string | null };
        } catch (error) {
          return { path, status: null, error: firstLine(error instanceof Error ? error.message : String(error)) };
        }
      }),
    );
    const open = answers.filter((a) => a.status !== 403);
    const details = { base: root, answers };
    if (open.length > 0) {
      return fail(
        `Nginx does not refuse ${open.map((a) => `${a.path} (${a.status ?? a.error})`).join(', ')}.`,
        `nginx/nginx.conf is not the one ai-gateway renders: run "ai-gateway setup --dir ${ctx.dir}" to render it again, then "ai-gateway start".`,
        details,
      );
    }
    return ok(`${answers.length} admin paths under ${root} answered 403`, details);
  },
};

const ERROR_LINE = /\b(error|exception|traceback|fatal|panic|critical)\b/i;
export const LOG_LINES_SCANNED = 200;

export const logs: Check = {
  id: 'api.logs',
  group: 'api',
  title: 'recent container logs free of errors',
  dependsOn: ['environment.daemon', 'files.env'],
  async run(ctx, state) {
    const running = [...(await state.containers()).entries()].filter(([, c]) => c.state === 'running' || c.state === 'restarting' || c.state === 'exited');
    if (running.length === 0) skip('the stack has no containers');
    const found: Record<string, string[]> = {};
    await Promise.all(
      running.map(async ([service, c]) => {
        const lines = await tailContainerLogs(ctx, c.id, LOG_LINES_SCANNED).catch(() => []);
        const errors = lines.filter((l) => ERROR_LINE.test(l));
        if (errors.length > 0) found[service] = errors.slice(-10);
      }),
    );
    const services = Object.keys(found).sort();
    if (services.length === 0) return ok(`no error lines in the last ${LOG_LINES_SCANNED} lines of ${running.map(([s]) => s).join(', ')}`);
    const count = services.reduce((n, s) => n + (found[s]?.length ?? 0), 0);
    const sample = services.flatMap((s) => (found[s] ?? []).slice(-3).map((l) => `${s}: ${l.length > 200 ? `${l.slice(0, 200)}…` : l}`));
    return warn(
      `${count} error line${count === 1 ? '' : 's'} in the recent logs of ${services.join(', ')}:\n${sample.map((l) => `    ${l}`).join('\n')}`,
      `Read them in context: ${services.map((s) => `"ai-gateway logs ${s} --tail 100"`).join(', ')}.`,
      { lines: found },
    );
  },
};

export const apiChecks: Check[] = [liveliness, readiness, openapi, modelsViaNginx, modelsDirect, adminBlocked, logs];
