/** Option schemas of the key subcommands (the connection options every LiteLLM command shares are in ../shared/connection-options.ts). */
import { z } from '../../core/schema.js';
import { trimmedNonEmpty } from '../shared/connection-options.js';

/** "30s", "30m", "30h", "30d": what LiteLLM's duration parser accepts (contract §4.1). */
export const durationSchema = z.string().check(z.trim(), z.regex(/^[1-9]\d*[smhd]$/, 'must be a number followed by s, m, h or d, e.g. 30d'));

export const positiveInt = z.coerce.number({ error: 'must be a whole number' }).check(z.int('must be a whole number'), z.positive('must be more than 0'));

/** The positional argument of `key info|revoke|rotate`. */
export const keyRefArgs = z.tuple([trimmedNonEmpty('name a key alias, an sk-… key or its hash')]);
