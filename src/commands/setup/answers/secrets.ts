/** Setup answers for the secrets: kept from `.env`, supplied by AI_GATEWAY_* variables or prompts, or generated once. */
import { UserError } from '../../../core/errors.js';
import { ACCOUNT_DEFAULTS, SECRET_SPECS, validateAccountName } from '../../../gateway/secrets.js';
import { ENV } from '../../../gateway/settings.js';
import { interactive, priorValue, valueFromEnv, type Resolver } from './resolver.js';

export interface ResolvedSecrets {
  values: Record<string, string>;
  generated: string[];
  kept: string[];
  supplied: string[];
}

/**
 * Every secret given by an AI_GATEWAY_* variable or kept in `.env`, checked before anything touches
 * the host: a weak master key is bad input (exit 2) even when a port is busy too.
 */
export function checkSuppliedSecrets(r: Resolver): void {
  for (const spec of SECRET_SPECS) {
    const given = valueFromEnv(r, spec.sourceVar);
    if (given) r.ctx.out.addSecret(given.value);
    const prior = priorValue(r, spec.envKey);
    if (prior !== undefined) {
      r.ctx.out.addSecret(prior);
      failIfInvalidSecret(spec.validate(prior), spec.envKey, `${spec.envKey} in .env`, true);
    } else if (given) failIfInvalidSecret(spec.validate(given.value), spec.envKey, given.source, false);
  }
}

function failIfInvalidSecret(ok: true | string, envKey: string, source: string, inEnvFile: boolean): void {
  if (ok === true) return;
  if (inEnvFile) {
    throw new UserError('INVALID_SECRET', `${source} is not acceptable: ${ok}`, {
      hint: `Replace it in .env with a valid value (or delete the line to have setup generate one), then run setup again.${envKey === ENV.saltKey ? ' Changing the salt key makes provider credentials stored in the database unreadable.' : ''}`,
    });
  }
  throw new UserError('INVALID_SECRET', `${source}: ${ok}`, { hint: `Fix ${source}, or unset it to have setup generate the value.` });
}

export async function resolveSecrets(r: Resolver): Promise<ResolvedSecrets> {
  const values: Record<string, string> = {};
  const result: ResolvedSecrets = { values, generated: [], kept: [], supplied: [] };
  const missing: (typeof SECRET_SPECS)[number][] = [];
  for (const spec of SECRET_SPECS) {
    const prior = priorValue(r, spec.envKey);
    const given = valueFromEnv(r, spec.sourceVar);
    if (given) r.ctx.out.addSecret(given.value);
    if (prior !== undefined) {
      r.ctx.out.addSecret(prior);
      failIfInvalidSecret(spec.validate(prior), spec.envKey, `${spec.envKey} in .env`, true);
      if (given && given.value !== prior) {
        r.warnings.push(`${given.source} differs from ${spec.envKey} in .env; the existing value was kept (secrets are never replaced by setup). To change it deliberately, edit ${spec.envKey} in .env${spec.envKey === ENV.saltKey ? ' (never the salt key once providers are stored)' : ''} and restart.`);
      }
      values[spec.envKey] = prior;
      result.kept.push(spec.envKey);
      continue;
    }
    if (given) {
      failIfInvalidSecret(spec.validate(given.value), spec.envKey, given.source, false);
      values[spec.envKey] = given.value;
      result.supplied.push(spec.envKey);
      continue;
    }
    missing.push(spec);
  }
  let typeThem = false;
  if (missing.length > 0 && interactive(r)) {
    typeThem = !(await r.ctx.prompts.confirm({
      id: 'secrets',
      message: `Generate the ${missing.length === SECRET_SPECS.length ? 'secrets (master and salt keys, passwords)' : `missing secrets (${missing.map((s) => s.envKey).join(', ')})`} now? (recommended)`,
      default: true,
      flagHint: missing.map((s) => s.sourceVar).join(', '),
    }));
  }
  for (const spec of missing) {
    let value = '';
    if (typeThem) {
      value = (
        await r.ctx.prompts.password({
          id: `secret.${spec.envKey}`,
          message: `${spec.label} (hidden; empty to generate)`,
          validate: (text) => (text === '' ? true : spec.validate(text)),
          flagHint: spec.sourceVar,
        })
      ).trim();
    }
    if (value === '') {
      value = spec.generate(r.ctx.random);
      result.generated.push(spec.envKey);
    } else result.supplied.push(spec.envKey);
    r.ctx.out.addSecret(value);
    values[spec.envKey] = value;
  }
  for (const [key, fallback] of Object.entries(ACCOUNT_DEFAULTS)) {
    const value = priorValue(r, key) ?? fallback;
    const ok = validateAccountName(key, value);
    if (ok !== true) throw new UserError('INVALID_ENV', `${key} in .env: ${ok}`, { hint: `Fix ${key} in .env, then run setup again.` });
    values[key] = value;
  }
  return result;
}
