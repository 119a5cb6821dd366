/** Option schemas shared by the key, models and openapi handlers. */
import { z } from '../../core/schema.js';

export const timeoutSeconds = z.coerce
  .number({ error: 'must be a number of seconds' })
  .check(z.positive('must be more than 0 seconds'), z.lte(3600, 'must be at most 3600 seconds'));

/** A string trimmed, then required to be non-empty (`message` otherwise). */
export const trimmedNonEmpty = (message: string) => z.string().check(z.trim(), z.minLength(1, message));

export const connectionOptions = {
  baseUrl: z.optional(trimmedNonEmpty('must not be empty')),
  /** Only "-" is accepted (checked where it is read, so the refusal never echoes a key). */
  apiKey: z.optional(z.string()),
  timeout: z._default(timeoutSeconds, 60),
  insecure: z.optional(z.boolean()),
};

/** The connection flags of a command's options, for connect(). */
export function connectionFlags(options: { baseUrl?: string | undefined; apiKey?: string | undefined; timeout: number; insecure?: boolean | undefined }) {
  return { baseUrl: options.baseUrl, apiKey: options.apiKey, timeout: options.timeout, insecure: options.insecure };
}

/** "30s", "30m", "30h", "30d": what LiteLLM's duration parser accepts (contract §4.1). */
export const durationSchema = z.string().check(z.trim(), z.regex(/^[1-9]\d*[smhd]$/, 'must be a number followed by s, m, h or d, e.g. 30d'));

export const positiveInt = z.coerce.number({ error: 'must be a whole number' }).check(z.int('must be a whole number'), z.positive('must be more than 0'));

/** The positional argument of `key info|revoke|rotate`. */
export const keyRefArgs = z.tuple([trimmedNonEmpty('name a key alias, an sk-… key or its hash')]);

/** What `key create` and `key rotate` report about the key they just made (shown once). */
export interface NewKeyFields {
  /** The new key. Shown here once; LiteLLM keeps only its hash. */
  key: string;
  token: string;
  key_name: string | null;
  key_alias: string | null;
  models: string[];
  max_budget: number | null;
  budget_duration: string | null;
  expires: string | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
}
