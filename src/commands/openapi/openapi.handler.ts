/** `openapi [-o file]`: LiteLLM's public /openapi.json, validated as OpenAPI 3.x. */
import { resolve } from 'node:path';
import { z } from '../../core/schema.js';
import type { Context } from '../../core/context.js';
import { isPermissionError, EnvError } from '../../core/errors.js';
import type { Style } from '../../core/output.js';
import { connect } from '../../litellm/connection.js';
import { connectionOptions, timeoutSeconds, trimmedNonEmpty } from '../shared/connection-options.js';

export const optionsSchema = z.object({
  output: z.optional(trimmedNonEmpty('name a file, or "-" for stdout')),
  ...connectionOptions,
  timeout: z._default(timeoutSeconds, 30),
});
export type OpenapiOptions = z.output<typeof optionsSchema>;

export interface OpenapiResult {
  openapi: string;
  title: string;
  version: string;
  pathCount: number;
  /** Absolute path written, "-" for stdout, null when not saved. */
  output: string | null;
  bytes: number;
  baseUrl: string;
  /** The whole spec, only with `-o -`. */
  spec?: unknown;
  /** Pretty text of the spec for `-o -` in human mode (not part of --json). */
  specText?: string;
}

export async function run(ctx: Context, options: OpenapiOptions): Promise<OpenapiResult> {
  // The spec is public: no key is needed or sent, and a gateway directory is needed only for its URL.
  const { client, baseUrl } = await connect(ctx, { baseUrl: options.baseUrl, timeout: options.timeout, audience: 'admin', key: 'none' });
  const { summary, document, text } = await client.openapi();
  const result: OpenapiResult = {
    openapi: summary.openapi,
    title: summary.info.title,
    version: summary.info.version,
    pathCount: Object.keys(summary.paths).length,
    output: null,
    bytes: Buffer.byteLength(text),
    baseUrl,
  };
  if (options.output === '-') {
    result.output = '-';
    if (ctx.out.json) result.spec = document;
    else {
      ctx.out.info(`${summary.info.title} ${summary.info.version} (OpenAPI ${summary.openapi}, ${result.pathCount} paths)`);
      result.specText = JSON.stringify(document, null, 2);
    }
  } else if (options.output !== undefined) {
    const path = resolve(options.output);
    try {
      await ctx.fs.writeAtomic(path, text.endsWith('\n') ? text : `${text}\n`);
    } catch (error) {
      if (isPermissionError(error) || (error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new EnvError('OUTPUT_NOT_WRITABLE', `Cannot write ${path} (${(error as NodeJS.ErrnoException).code}).`, {
          hint: 'Pick a file in a directory that exists and you can write to, e.g. -o ./openapi.json.',
          cause: error,
        });
      }
      throw error;
    }
    result.output = path;
  }
  return result;
}

export function render(result: OpenapiResult, style: Style): string {
  if (result.output === '-' && result.specText !== undefined) return result.specText;
  const lines = [
    `${style.bold(result.title)} ${result.version}`,
    `  OpenAPI ${result.openapi}, ${result.pathCount} paths (${result.baseUrl}/openapi.json)`,
  ];
  if (result.output) lines.push(`  saved to ${result.output} (${result.bytes} bytes)`);
  return lines.join('\n');
}
