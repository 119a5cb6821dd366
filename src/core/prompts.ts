/**
 * Prompts are injected through the context, never imported by handlers.
 * This is the only file that imports @inquirer/prompts (lazily, so `--version` stays fast).
 * Every question has an `id`; tests answer by id in order and fail on an unexpected prompt.
 */
import { CancelledError, NonInteractiveError } from './errors.js';

export interface Choice<T extends string> {
  value: T;
  name: string;
  description?: string;
}

export interface SelectQuestion<T extends string> {
  id: string;
  message: string;
  choices: Choice<T>[];
  default?: T;
  /** How to answer this without a TTY, e.g. "--profile <name> or AI_GATEWAY_PROFILE". */
  flagHint: string;
}

export interface InputQuestion {
  id: string;
  message: string;
  default?: string;
  /** Returns true when valid, or the message to show. */
  validate?: (value: string) => true | string;
  flagHint: string;
}

export interface ConfirmQuestion {
  id: string;
  message: string;
  default?: boolean;
  flagHint: string;
}

export interface Prompts {
  readonly interactive: boolean;
  select<T extends string>(q: SelectQuestion<T>): Promise<T>;
  input(q: InputQuestion): Promise<string>;
  /** Hidden input; empty answer allowed when the question is optional. */
  password(q: InputQuestion): Promise<string>;
  confirm(q: ConfirmQuestion): Promise<boolean>;
}

/** Used when stdin is not a TTY, or with --yes/--json/CI: any prompt is an error naming the flag. */
export class NonInteractivePrompts implements Prompts {
  readonly interactive = false;
  select<T extends string>(q: SelectQuestion<T>): Promise<T> {
    return Promise.reject(new NonInteractiveError(q.message, `Pass ${q.flagHint}.`));
  }
  input(q: InputQuestion): Promise<string> {
    return Promise.reject(new NonInteractiveError(q.message, `Pass ${q.flagHint}.`));
  }
  password(q: InputQuestion): Promise<string> {
    return Promise.reject(new NonInteractiveError(q.message, `Pass ${q.flagHint}.`));
  }
  confirm(q: ConfirmQuestion): Promise<boolean> {
    return Promise.reject(new NonInteractiveError(q.message, `Pass ${q.flagHint}.`));
  }
}

/** Real terminal prompts. Ctrl-C becomes CancelledError (exit 130) without a stack trace. */
export class TerminalPrompts implements Prompts {
  readonly interactive = true;

  async select<T extends string>(q: SelectQuestion<T>): Promise<T> {
    const { select } = await import('@inquirer/prompts');
    return guard(() =>
      select<T>({
        message: q.message,
        choices: q.choices.map((c) => ({ value: c.value, name: c.name, description: c.description })),
        default: q.default,
      }),
    );
  }

  async input(q: InputQuestion): Promise<string> {
    const { input } = await import('@inquirer/prompts');
    return guard(() => input({ message: q.message, default: q.default, validate: q.validate }));
  }

  async password(q: InputQuestion): Promise<string> {
    const { password } = await import('@inquirer/prompts');
    return guard(() => password({ message: q.message, mask: '*', validate: q.validate }));
  }

  async confirm(q: ConfirmQuestion): Promise<boolean> {
    const { confirm } = await import('@inquirer/prompts');
    return guard(() => confirm({ message: q.message, default: q.default }));
  }
}

async function guard<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
      throw new CancelledError('Cancelled at a prompt; nothing was changed.');
    }
    throw error;
  }
}
