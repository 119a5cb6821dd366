/** Option schemas every command that talks to LiteLLM shares (key, models, openapi, smoke). */
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
