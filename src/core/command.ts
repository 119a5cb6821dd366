/**
 * Glue between commander and handlers. A `*.command.ts` file defines flags and help only;
 * its action lazily imports the handler module, so `--help` and `--version` load nothing heavy.
 */
import type { Command } from 'commander';
import type { z } from './schema.js';
import type { Context, GlobalOptions, ProcessIo } from './context.js';
import { renderError } from './handle-error.js';
import { Output, type Style } from './output.js';

export interface HandlerModule<Schema extends z.ZodMiniType, Result extends object> {
  optionsSchema: Schema;
  run(ctx: Context, options: z.output<Schema>): Promise<Result>;
  render(result: Result, style: Style): string;
  /**
   * For commands whose result can be a failure that still prints a full report (doctor, smoke):
   * the report is printed, then the process exits with `exitCode` and `ok: false` in --json.
   */
  outcome?(result: Result): { ok: boolean; exitCode: number };
}

/** Thrown after an error was rendered; carries the exit code to the entry point. */
export class ExitSignal extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyHandler = HandlerModule<any, any>;

export type ActionFactory = (name: string, load: () => Promise<AnyHandler>) => (...args: unknown[]) => Promise<void>;

export type ContextFactory = (globals: GlobalOptions, io: ProcessIo) => Promise<Context>;

/** `contextFactory` comes from the composition root (src/context.ts): core does not know the drivers. */
export function createActionFactory(io: ProcessIo, contextFactory: ContextFactory): ActionFactory {
  return (name, load) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals() as GlobalOptions;
      let out: Output | undefined;
      try {
        const handler = await load();
        const ctx = await contextFactory(globals, io);
        out = ctx.out;
        const raw = { ...command.opts(), args: command.processedArgs };
        const options = handler.optionsSchema.parse(raw);
        const result = await handler.run(ctx, options);
        const outcome = handler.outcome?.(result) ?? { ok: true, exitCode: 0 };
        ctx.out.result(name, result, handler.render, outcome.ok);
        if (outcome.exitCode !== 0) throw new ExitSignal(outcome.exitCode);
      } catch (error) {
        if (error instanceof ExitSignal) throw error;
        out ??= fallbackOutput(globals, io);
        throw new ExitSignal(renderError(error, out, name));
      }
    };
}

export function fallbackOutput(globals: GlobalOptions, io: ProcessIo): Output {
  return new Output({
    json: Boolean(globals.json),
    color: false,
    verbose: Boolean(globals.verbose),
    stdout: io.stdout,
    stderr: io.stderr,
    spinners: false,
  });
}

/**
 * Builds only the entry named `only`, or all of them when `only` names none. A run that names
 * its command needs no other: its help lists only its own flags, and an unknown command (which
 * needs the whole list for its "did you mean") names none.
 */
export function registerOnly<R>(entries: ReadonlyArray<readonly [string, R]>, only: string | undefined, build: (register: R) => void): void {
  const known = only !== undefined && entries.some(([name]) => name === only);
  for (const [name, register] of entries) if (!known || name === only) build(register);
}
