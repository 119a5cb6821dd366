/** sha256 of a string as hex: how LiteLLM stores a key (`token`) and how we fingerprint a start's inputs. */
import { createHash } from 'node:crypto';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
