/**
 * Commands we print for the user to run next ("Next: ...", hints). They must work from where the
 * user stands: a gateway that is not the current directory gets `--dir`, quoted for a POSIX shell.
 */
import type { Context } from './context.js';

/** A word as a POSIX shell reads it back: unquoted when plain, else in single quotes. */
export function shellArg(value: string): string {
  if (/^[\w./:@%+=,-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `ai-gateway <command>` for the gateway in `dir` (default ctx.dir), with `--dir` unless that is the current directory. */
export function gatewayCommand(ctx: Pick<Context, 'dir' | 'cwd'>, command: string, dir: string = ctx.dir): string {
  return dir === ctx.cwd ? `ai-gateway ${command}` : `ai-gateway ${command} --dir ${shellArg(dir)}`;
}
