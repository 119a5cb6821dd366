/**
 * The gateway's generated secrets: how each is made (once, from a CSPRNG) and the rules a
 * user-supplied value must meet. A secret that exists in `.env` is never regenerated.
 */
import { alphabets, randomString, type RandomSource } from '../core/random.js';
import { ENV, MASTER_KEY_PATTERN, PUBLICLY_KNOWN_MASTER_KEYS } from './settings.js';

export interface SecretSpec {
  /** Variable in `.env`. */
  envKey: string;
  /** Environment variable a user can supply it through (secrets are never flags: they would show in `ps`). */
  sourceVar: string;
  label: string;
  generate(random: RandomSource): string;
  /** true, or the rule the value breaks (names the variable). */
  validate(value: string): true | string;
  /** Needed only once Redis runs: a gateway set up before it existed may lack it (setup adds it). */
  onlyWithRedis?: boolean;
}

/** Characters safe inside a `.env` value for Compose v1 and v2 alike, and inside a YAML scalar: no quotes, `$`, `#`, `\` or spaces. */
const PLAIN_VALUE = /^[A-Za-z0-9!%&()*+,\-./:;<=>?@[\]^_{|}~]+$/;
/** RFC 3986 unreserved characters: POSTGRES_PASSWORD is embedded in DATABASE_URL unescaped. */
const URL_SAFE = /^[A-Za-z0-9._~-]+$/;

function keyRule(name: string) {
  return (value: string): true | string => {
    if (PUBLICLY_KNOWN_MASTER_KEYS.has(value)) return `${name} must not be the publicly known example key "${value}" (LiteLLM refuses it).`;
    if (!MASTER_KEY_PATTERN.test(value)) return `${name} must be "sk-" followed by at least 20 letters, digits, "_" or "-".`;
    return true;
  };
}

function passwordRule(name: string, min: number, charset: RegExp, charsetText: string) {
  return (value: string): true | string => {
    if (value.length < min) return `${name} must be at least ${min} characters long (got ${value.length}).`;
    if (!charset.test(value)) return `${name} may only contain ${charsetText}.`;
    return true;
  };
}

const PLAIN_TEXT = 'letters, digits and punctuation other than quotes, "$", "#" and "\\" (no spaces)';

export const SECRET_SPECS: readonly SecretSpec[] = [
  {
    envKey: ENV.masterKey,
    sourceVar: 'AI_GATEWAY_MASTER_KEY',
    label: 'LiteLLM master key (admin key)',
    generate: (random) => `sk-${randomString(random, 43, alphabets.urlSafe)}`,
    validate: keyRule(ENV.masterKey),
  },
  {
    envKey: ENV.saltKey,
    sourceVar: 'AI_GATEWAY_SALT_KEY',
    label: 'LiteLLM salt key (encrypts stored provider credentials)',
    generate: (random) => `sk-${randomString(random, 43, alphabets.urlSafe)}`,
    validate: keyRule(ENV.saltKey),
  },
  {
    envKey: ENV.postgresPassword,
    sourceVar: 'AI_GATEWAY_POSTGRES_PASSWORD',
    label: 'PostgreSQL password',
    generate: (random) => randomString(random, 32, alphabets.alphanumeric),
    validate: passwordRule(ENV.postgresPassword, 8, URL_SAFE, 'letters, digits, ".", "_", "~" and "-" (it goes into DATABASE_URL)'),
  },
  {
    envKey: ENV.uiPassword,
    sourceVar: 'AI_GATEWAY_UI_PASSWORD',
    label: 'LiteLLM admin UI password',
    generate: (random) => randomString(random, 20, alphabets.alphanumeric),
    validate: passwordRule(ENV.uiPassword, 8, PLAIN_VALUE, PLAIN_TEXT),
  },
  {
    envKey: ENV.webuiSecret,
    sourceVar: 'AI_GATEWAY_WEBUI_SECRET_KEY',
    label: 'Open WebUI session secret',
    generate: (random) => randomString(random, 48, alphabets.alphanumeric),
    validate: passwordRule(ENV.webuiSecret, 16, PLAIN_VALUE, PLAIN_TEXT),
  },
  {
    // Generated for every gateway (used once Redis runs: replicas, --redis, the Kubernetes export).
    envKey: ENV.redisPassword,
    sourceVar: 'AI_GATEWAY_REDIS_PASSWORD',
    label: 'Redis password',
    onlyWithRedis: true,
    generate: (random) => randomString(random, 32, alphabets.alphanumeric),
    validate: passwordRule(ENV.redisPassword, 16, URL_SAFE, 'letters, digits, ".", "_", "~" and "-" (it goes into REDIS_URL)'),
  },
];

/** Non-secret account names that go with the secrets. */
export const ACCOUNT_DEFAULTS = {
  [ENV.uiUsername]: 'admin',
  [ENV.postgresUser]: 'litellm',
  [ENV.postgresDb]: 'litellm',
} as const;

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Rules for the account names (they go into DATABASE_URL and the admin UI login). */
export function validateAccountName(key: string, value: string): true | string {
  if (value.length === 0 || value.length > 63) return `${key} must be 1-63 characters long.`;
  if (!NAME.test(value)) return `${key} may only contain letters, digits, "_", "." and "-", and must not start with "." or "-".`;
  return true;
}
