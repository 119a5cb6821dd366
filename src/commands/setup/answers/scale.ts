/**
 * Setup answers past one machine: --engine, --replicas, --webui-replicas, --redis, --redis-image and
 * --postgres-max-connections (flag → AI_GATEWAY_* → .env → default; never asked: a first setup is one machine).
 * The connection budget is checked here: a max_connections given explicitly that is too small is refused;
 * otherwise setup raises it and says so.
 */
import { UserError } from '../../../core/errors.js';
import { connectionBudget, DEFAULT_SCALE, maxConnectionsFor, usesRedis } from '../../../gateway/scale.js';
import { ENGINES, ENV, type Engine, type GatewaySettings, type ScaleSettings } from '../../../gateway/settings.js';
import { oneOf, priorValue, suppliedWithSource, yesNo, type Resolver } from './resolver.js';

const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:@+]{0,254}$/;

export interface ResolvedScale {
  scale: ScaleSettings;
  /** `.env` values: only what differs from the defaults or was already in the file (a Compose gateway's .env stays as it was). */
  values: Record<string, string>;
}

function count(r: Resolver, option: 'replicas' | 'webuiReplicas', flag: string, sourceVar: string, envKey: string): number {
  const given = suppliedWithSource(r, option, flag, sourceVar);
  const raw = given?.value ?? priorValue(r, envKey);
  if (raw === undefined) return 1;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 64) {
    throw new UserError('INVALID_OPTION', `${given?.source ?? `${envKey} in .env`} must be a whole number from 1 to 64, got "${raw}".`, {
      hint: `Pass ${flag} <n> with 1 to 64 replicas.`,
    });
  }
  return value;
}

export function resolveScale(r: Resolver, base: Omit<GatewaySettings, 'scale'>, litellmPool?: number): ResolvedScale {
  const engineGiven = suppliedWithSource(r, 'engine', '--engine', 'AI_GATEWAY_ENGINE');
  const engine: Engine = engineGiven ? oneOf(engineGiven.value, ENGINES, 'engine', engineGiven.source) : ((priorValue(r, ENV.engine)?.toLowerCase() as Engine | undefined) ?? 'compose');
  if (!ENGINES.includes(engine)) throw new UserError('INVALID_ENV', `${ENV.engine} in .env must be compose or swarm.`, { hint: `Fix ${ENV.engine} in .env, or pass --engine compose|swarm.` });
  const litellm = count(r, 'replicas', '--replicas', 'AI_GATEWAY_REPLICAS', ENV.litellmReplicas);
  const openWebui = count(r, 'webuiReplicas', '--webui-replicas', 'AI_GATEWAY_WEBUI_REPLICAS', ENV.webuiReplicas);
  if (engine === 'compose' && (litellm > 1 || openWebui > 1)) {
    throw new UserError('REPLICAS_NEED_SWARM', `${litellm > 1 ? `${litellm} LiteLLM replicas` : `${openWebui} Open WebUI replicas`} need an engine that runs replicas; Compose runs one of each.`, {
      hint: `Add --engine swarm (after "docker swarm init"), or keep --replicas 1.`,
    });
  }
  if (engine === 'swarm' && !base.nginx) {
    throw new UserError('SWARM_NEEDS_NGINX', 'On Swarm, Nginx is the entry point: it follows the replicas and publishes the API, Open WebUI and the LiteLLM admin port.', {
      hint: 'Drop --no-nginx (or set USE_NGINX=yes in .env) with --engine swarm.',
    });
  }
  if (engine === 'swarm' && base.tls) {
    throw new UserError('SWARM_TLS_UNSUPPORTED', 'HTTPS at Nginx is not wired into the Swarm stack yet (its port and certificate files are Compose-only for now).', {
      hint: 'Use --tls off with --engine swarm (and terminate HTTPS in front of the node), or stay on --engine compose for HTTPS.',
    });
  }
  const redisFlag = r.options.redis;
  const redisEnv = r.ctx.env.AI_GATEWAY_REDIS;
  const redisPrior = priorValue(r, ENV.useRedis);
  const redis =
    typeof redisFlag === 'boolean' ? redisFlag : redisEnv?.trim() ? yesNo(redisEnv, 'AI_GATEWAY_REDIS') : redisPrior ? yesNo(redisPrior, `${ENV.useRedis} in .env`) : false;
  const imageGiven = suppliedWithSource(r, 'redisImage', '--redis-image', 'AI_GATEWAY_REDIS_IMAGE');
  const redisImage = imageGiven?.value ?? priorValue(r, ENV.redisImage) ?? DEFAULT_SCALE.redisImage;
  if (!IMAGE_REF.test(redisImage)) {
    throw new UserError('INVALID_IMAGE', `${imageGiven?.source ?? `${ENV.redisImage} in .env`}: "${redisImage}" is not an image reference such as redis:7.4-alpine.`, {
      hint: 'Pass --redis-image with an image name and tag.',
    });
  }

  const maxGiven = suppliedWithSource(r, 'postgresMaxConnections', '--postgres-max-connections', 'AI_GATEWAY_POSTGRES_MAX_CONNECTIONS');
  const maxRaw = maxGiven?.value ?? priorValue(r, ENV.postgresMaxConnections);
  let postgresMaxConnections = DEFAULT_SCALE.postgresMaxConnections;
  if (maxRaw !== undefined) {
    postgresMaxConnections = Number(maxRaw);
    if (!Number.isInteger(postgresMaxConnections) || postgresMaxConnections < 20 || postgresMaxConnections > 100_000) {
      throw new UserError('INVALID_OPTION', `${maxGiven?.source ?? `${ENV.postgresMaxConnections} in .env`} must be a whole number from 20 to 100000, got "${maxRaw}".`, {
        hint: 'Pass --postgres-max-connections <n> (PostgreSQL\'s default is 100).',
      });
    }
  }
  let scale: ScaleSettings = { engine, replicas: { litellm, openWebui }, redis, redisImage, postgresMaxConnections };
  const budget = connectionBudget({ ...base, scale }, litellmPool);
  if (!budget.fits) {
    if (maxGiven) {
      throw new UserError('CONNECTION_BUDGET', `PostgreSQL's max_connections ${postgresMaxConnections} (${maxGiven.source}) is too small: ${budget.explanation}.`, {
        hint: `Pass --postgres-max-connections ${maxConnectionsFor(budget.total)} or more, or fewer replicas (--replicas) or a smaller --profile.`,
        details: { needed: budget.total, maxConnections: postgresMaxConnections },
      });
    }
    const raised = maxConnectionsFor(budget.total);
    r.warnings.push(`PostgreSQL's max_connections goes from ${postgresMaxConnections} to ${raised}: ${budget.explanation}.`);
    scale = { ...scale, postgresMaxConnections: raised };
  }

  const values: Record<string, string> = {};
  const keep = (key: string, value: string, isDefault: boolean) => {
    if (!isDefault || r.prior?.has(key)) values[key] = value;
  };
  keep(ENV.engine, engine, engine === DEFAULT_SCALE.engine);
  keep(ENV.litellmReplicas, String(litellm), litellm === 1);
  keep(ENV.webuiReplicas, String(openWebui), openWebui === 1);
  keep(ENV.useRedis, redis ? 'yes' : 'no', !redis);
  keep(ENV.redisImage, redisImage, redisImage === DEFAULT_SCALE.redisImage && !usesRedis(scale));
  keep(ENV.postgresMaxConnections, String(scale.postgresMaxConnections), scale.postgresMaxConnections === DEFAULT_SCALE.postgresMaxConnections);
  if (engine === 'swarm' && base.bind !== '0.0.0.0') {
    r.warnings.push(
      `Swarm publishes ports on every interface of the node Nginx runs on (it has no bind address), so BIND_ADDRESS=${base.bind} does not apply: protect ports ${[base.ports.nginx, base.ports.litellm].filter(Boolean).join(' and ')} with a firewall.`,
    );
  }
  return { scale, values };
}
