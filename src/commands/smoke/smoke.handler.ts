/**
 * `ai-gateway smoke`: the CI gate after `start`. Through the public URL (Nginx when enabled) with
 * the app key (VIRTUAL_KEY, or AI_GATEWAY_API_KEY): list the models; when one is usable, one chat
 * completion and one streamed completion that must arrive in several chunks and end with [DONE].
 * Exit 0 when every step passed or was skipped, 6 when one failed (the report is printed either way).
 */
import { createParser } from 'eventsource-parser';
import { z } from '../../core/schema.js';
import type { Context } from '../../core/context.js';
import { ExitCode, isAppError } from '../../core/errors.js';
import type { Style } from '../../core/output.js';
import type { LiteLLMClient } from '../../litellm/client.js';
import { connect } from '../../litellm/connection.js';
import { connectionFlags, connectionOptions, timeoutSeconds, trimmedNonEmpty } from '../shared/connection-options.js';

export const optionsSchema = z.object({
  model: z.optional(trimmedNonEmpty('--model must not be empty')),
  ...connectionOptions,
  timeout: z._default(timeoutSeconds, 60),
});
export type SmokeOptions = z.output<typeof optionsSchema>;

export type StepStatus = 'ok' | 'fail' | 'skipped';
export type StepId = 'models' | 'chat' | 'stream';

export interface SmokeStep {
  id: StepId;
  status: StepStatus;
  finding: string;
  fix: string | null;
  ms: number | null;
  details: Record<string, unknown> | null;
}

export interface SmokeResult {
  baseUrl: string;
  /** Where the key came from (never the key). */
  keySource: string;
  model: string | null;
  steps: SmokeStep[];
  summary: Record<StepStatus, number>;
}

export const SMOKE_PROMPT = 'Reply with one word: pong';
/** Enough to prove a stream: the answer must come in more than one piece. */
export const MIN_STREAM_CHUNKS = 2;

const chatResponseSchema = z.object({
  model: z.nullish(z.string()),
  choices: z.array(z.looseObject({ message: z.looseObject({ content: z.nullish(z.string()) }) })).check(z.minLength(1)),
  usage: z.nullish(z.looseObject({ total_tokens: z.nullish(z.number()) })),
});

export async function run(ctx: Context, options: SmokeOptions): Promise<SmokeResult> {
  const connection = await connect(ctx, {
    ...connectionFlags(options),
    audience: 'app',
    key: 'virtual',
    missingKeyHint: '"ai-gateway start" creates it (the Open WebUI key); or create one with "ai-gateway key create --alias app --save", or set AI_GATEWAY_API_KEY.',
  });
  const { client, baseUrl } = connection;
  const key = { source: connection.keySource };
  const steps: SmokeStep[] = [];

  ctx.out.step(`GET ${baseUrl}/v1/models with ${key.source}`);
  const models = await timed(ctx, () => client.listModels());
  if (!models.ok) {
    // Nothing to test: the same error (and exit code) as every command against a stopped gateway.
    if (isAppError(models.error) && models.error.code === 'GATEWAY_NOT_RUNNING') throw models.error;
    steps.push(failedStep('models', models.error, models.ms));
    steps.push(skippedStep('chat', 'Skipped: the model list failed.'), skippedStep('stream', 'Skipped: the model list failed.'));
    return finish(baseUrl, key.source, null, steps);
  }
  const ids = models.value.map((m) => m.id);
  const model = options.model ?? ids.find((id) => !id.includes('*')) ?? null;
  steps.push({
    id: 'models',
    status: 'ok',
    finding: `${ids.length} model${ids.length === 1 ? '' : 's'}${ids.length > 0 ? `: ${ids.slice(0, 8).join(', ')}${ids.length > 8 ? ', …' : ''}` : ''}`,
    fix: null,
    ms: models.ms,
    details: { models: ids },
  });
  if (model === null) {
    const why = ids.length === 0 ? 'no model is configured' : `only wildcard routes are offered (${ids.join(', ')})`;
    const note = `Skipped: ${why}; add a provider key ("ai-gateway setup" with AI_GATEWAY_<PROVIDER>_API_KEY) or pass --model <id>.`;
    steps.push(skippedStep('chat', note), skippedStep('stream', note));
    return finish(baseUrl, key.source, null, steps);
  }

  ctx.out.step(`POST ${baseUrl}/v1/chat/completions (model ${model})`);
  const chat = await timed(ctx, () => chatCompletion(client, model));
  if (chat.ok) {
    const text = (chat.value.choices[0]?.message.content ?? '').trim();
    steps.push({ id: 'chat', status: 'ok', finding: `${model} answered ${quote(text)}`, fix: null, ms: chat.ms, details: { model: chat.value.model ?? model, answer: text, totalTokens: chat.value.usage?.total_tokens ?? null } });
  } else {
    steps.push(failedStep('chat', chat.error, chat.ms));
  }

  ctx.out.step(`POST ${baseUrl}/v1/chat/completions (model ${model}, stream)`);
  steps.push(await streamStep(ctx, client, model, options.timeout));
  return finish(baseUrl, key.source, model, steps);
}

export function outcome(result: SmokeResult): { ok: boolean; exitCode: number } {
  const ok = result.summary.fail === 0;
  return { ok, exitCode: ok ? ExitCode.ok : ExitCode.checksFailed };
}

function chatCompletion(client: LiteLLMClient, model: string) {
  return client.request({
    method: 'POST',
    path: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content: SMOKE_PROMPT }], max_tokens: 16 },
    schema: chatResponseSchema,
  });
}

export interface StreamStats {
  /** Pieces the body arrived in (network reads). */
  chunks: number;
  /** `data:` events, [DONE] excluded. */
  events: number;
  done: boolean;
  text: string;
  firstChunkMs: number | null;
}

/**
 * Reads an SSE body: counts arrivals and events, collects the text, notes whether [DONE] ended it.
 * The framing (LF, CR or CRLF, multi-line data, comments, ids) is eventsource-parser's; what we
 * add is the timing of each arrival, which is what smoke checks (a buffering proxy shows here).
 */
export async function readStream(body: AsyncIterable<Uint8Array>, now: () => number): Promise<StreamStats> {
  const started = now();
  const decoder = new TextDecoder();
  const stats: StreamStats = { chunks: 0, events: 0, done: false, text: '', firstChunkMs: null };
  const parser = createParser({
    onEvent: ({ data }) => {
      if (data.trim() === '[DONE]') {
        stats.done = true;
        return;
      }
      stats.events++;
      try {
        const parsed = JSON.parse(data) as { choices?: { delta?: { content?: string | null } }[] };
        stats.text += parsed.choices?.[0]?.delta?.content ?? '';
      } catch {
        // a non-JSON event still counts as an arrival; the text just lacks it
      }
    },
  });
  for await (const value of body) {
    if (value.length === 0) continue;
    stats.chunks++;
    stats.firstChunkMs ??= now() - started;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  parser.feed(decoder.decode());
  // A last event without its blank line still counts (a stream cut short says so through `done`).
  parser.feed('\n\n');
  return stats;
}

async function streamStep(ctx: Context, client: LiteLLMClient, model: string, timeout: number): Promise<SmokeStep> {
  const started = ctx.clock.now();
  try {
    let response: Awaited<ReturnType<LiteLLMClient['openStream']>>;
    try {
      response = await client.openStream('/v1/chat/completions', { model, messages: [{ role: 'user', content: SMOKE_PROMPT }], max_tokens: 16, stream: true }, timeout * 1000);
    } catch (error) {
      if (isAppError(error)) return failedStep('stream', error, ctx.clock.now() - started);
      throw error;
    }
    const stats = await readStream(response.body, () => ctx.clock.now());
    const ms = ctx.clock.now() - started;
    const details = { chunks: stats.chunks, events: stats.events, done: stats.done, answer: stats.text, firstChunkMs: stats.firstChunkMs, contentType: response.contentType };
    const problems: string[] = [];
    if (stats.chunks < MIN_STREAM_CHUNKS) problems.push(`it arrived in ${stats.chunks} piece${stats.chunks === 1 ? '' : 's'} (buffered somewhere on the way)`);
    if (stats.events === 0) problems.push('it held no data events');
    if (!stats.done) problems.push('it did not end with "data: [DONE]"');
    if (problems.length > 0) {
      return {
        id: 'stream',
        status: 'fail',
        finding: `The stream from ${model} is broken: ${problems.join('; ')}.`,
        fix: 'A proxy in front of the gateway buffers responses: turn buffering off for text/event-stream (nginx: proxy_buffering off), or run "ai-gateway setup" to render nginx.conf again.',
        ms,
        details,
      };
    }
    return { id: 'stream', status: 'ok', finding: `${stats.events} events in ${stats.chunks} chunks, ended with [DONE]: ${quote(stats.text.trim())}`, fix: null, ms, details };
  } catch (error) {
    const ms = ctx.clock.now() - started;
    const reason = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError') ? `no complete answer within ${timeout} s` : error instanceof Error ? error.message : String(error);
    return { id: 'stream', status: 'fail', finding: `The streamed completion failed: ${reason}.`, fix: 'Run "ai-gateway doctor" to see which part of the stack is down; "ai-gateway logs litellm" for the proxy\'s side.', ms, details: null };
  }
}

async function timed<T>(ctx: Context, fn: () => Promise<T>): Promise<{ ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number }> {
  const started = ctx.clock.now();
  try {
    const value = await fn();
    return { ok: true, value, ms: ctx.clock.now() - started };
  } catch (error) {
    return { ok: false, error, ms: ctx.clock.now() - started };
  }
}

function failedStep(id: StepId, error: unknown, ms: number): SmokeStep {
  if (isAppError(error)) return { id, status: 'fail', finding: error.message.split('\n')[0] ?? error.message, fix: error.hint ?? null, ms, details: { code: error.code } };
  throw error; // not a remote failure: a bug, reported as such
}

function skippedStep(id: StepId, finding: string): SmokeStep {
  return { id, status: 'skipped', finding, fix: null, ms: null, details: null };
}

function finish(baseUrl: string, keySource: string, model: string | null, steps: SmokeStep[]): SmokeResult {
  const summary: Record<StepStatus, number> = { ok: 0, fail: 0, skipped: 0 };
  for (const s of steps) summary[s.status]++;
  return { baseUrl, keySource, model, steps, summary };
}

function quote(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return `"${one.length > 80 ? `${one.slice(0, 80)}…` : one}"`;
}

const STEP_TITLES: Record<StepId, string> = { models: 'GET /v1/models', chat: 'chat completion', stream: 'streamed completion' };

export function render(result: SmokeResult, style: Style): string {
  const mark: Record<StepStatus, string> = { ok: style.green('✔'), fail: style.red('✖'), skipped: style.dim('-') };
  const lines = [style.bold(`Smoke test of ${result.baseUrl} (${result.keySource})`)];
  for (const step of result.steps) {
    const time = step.ms === null ? '' : style.dim(` (${step.ms} ms)`);
    lines.push(`  ${mark[step.status]} ${STEP_TITLES[step.id]}: ${step.status === 'skipped' ? style.dim(step.finding) : step.finding}${time}`);
    if (step.fix && step.status === 'fail') lines.push(`      ${style.dim('→')} ${step.fix}`);
  }
  const s = result.summary;
  const text = `${s.ok} passed, ${s.fail} failed, ${s.skipped} skipped.`;
  lines.push('', s.fail > 0 ? style.red(`✖ ${text}`) : style.green(`✔ ${text}`));
  return lines.join('\n');
}
