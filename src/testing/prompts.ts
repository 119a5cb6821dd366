/**
 * Scripted prompts for tests: ordered expectations by question id. An unexpected question,
 * an answer of the wrong kind, or a leftover expectation fails the test.
 */
import { CancelledError } from '../core/errors.js';
import type { ConfirmQuestion, InputQuestion, Prompts, SelectQuestion } from '../core/prompts.js';

export type ScriptedAnswer =
  | { id: string; answer: string | boolean; kind?: 'select' | 'input' | 'password' | 'confirm' }
  | { id: string; cancel: true };

export interface ScriptedPrompts extends Prompts {
  /** Questions asked so far, with their messages (for assertions). */
  asked: { id: string; kind: string; message: string; default?: unknown }[];
  /** Throws when some scripted answers were never asked for. */
  assertDone(): void;
}

export function scriptedPrompts(script: ScriptedAnswer[]): ScriptedPrompts {
  const queue = [...script];
  const asked: ScriptedPrompts['asked'] = [];
  function next(kind: string, q: { id: string; message: string; default?: unknown }): string | boolean {
    asked.push({ id: q.id, kind, message: q.message, default: q.default });
    const expected = queue.shift();
    if (!expected) throw new Error(`Unexpected prompt "${q.id}" (${kind}): ${q.message}`);
    if (expected.id !== q.id) throw new Error(`Expected prompt "${expected.id}" but was asked "${q.id}" (${kind}): ${q.message}`);
    if ('cancel' in expected) throw new CancelledError('Cancelled at a prompt; nothing was changed.');
    if (expected.kind && expected.kind !== kind) throw new Error(`Prompt "${q.id}" is a ${kind}, script says ${expected.kind}`);
    return expected.answer;
  }
  return {
    interactive: true,
    asked,
    async select<T extends string>(q: SelectQuestion<T>): Promise<T> {
      const answer = String(next('select', q));
      if (!q.choices.some((c) => c.value === answer)) throw new Error(`Answer "${answer}" is not a choice of "${q.id}"`);
      return answer as T;
    },
    async input(q: InputQuestion): Promise<string> {
      const answer = String(next('input', q));
      const verdict = q.validate?.(answer) ?? true;
      if (verdict !== true) throw new Error(`Answer to "${q.id}" rejected by its validator: ${verdict}`);
      return answer;
    },
    async password(q: InputQuestion): Promise<string> {
      const answer = String(next('password', q));
      const verdict = q.validate?.(answer) ?? true;
      if (verdict !== true) throw new Error(`Answer to "${q.id}" rejected by its validator: ${verdict}`);
      return answer;
    },
    async confirm(q: ConfirmQuestion): Promise<boolean> {
      return Boolean(next('confirm', q));
    },
    assertDone() {
      if (queue.length > 0) throw new Error(`Scripted prompts never asked: ${queue.map((q) => q.id).join(', ')}`);
    },
  };
}
