/**
 * Entry point: parse, run, map errors to exit codes. The only place that decides the exit code;
 * bin/ai-gateway.js is the only place that touches process.exitCode (and a closed pipe, below,
 * the only place that exits early, when no work needs to clean up first).
 */
import { CommanderError } from 'commander';
import { ExitSignal, fallbackOutput } from './core/command.js';
import type { ProcessIo } from './core/context.js';
import { UserError } from './core/errors.js';
import { renderError } from './core/handle-error.js';
import { interruptRunningWork } from './core/interrupt.js';
import { createRequire } from 'node:module';
import { createProgram } from './program.js';

// node:tty is loaded when a command asks whether stdin is a terminal: it brings node:net with it
// (~1 ms), and `--help`, `--version` and most commands never ask.
const requireBuiltin = createRequire(import.meta.url);

/**
 * A reader that has gone (`ai-gateway setup --help | head -1`) ends the run quietly, as a closed
 * pipe ends any Unix tool; every other stream error is still thrown. Work that must not die midway
 * (a backup with Open WebUI paused, a pull) is stopped as Ctrl-C stops it, and ends by itself once
 * it has cleaned up (the closed stream drops what is still written).
 */
function quietOnClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
  if (interruptRunningWork()) return;
  process.exit(process.exitCode ?? 0);
}

/**
 * The process's own streams, each made on first use: Node builds process.stderr lazily, and for a
 * pipe or a terminal that loads node:net (~2 ms of `--help`, which never writes to stderr).
 */
function lazyStream(name: 'stdout' | 'stderr'): () => NodeJS.WriteStream {
  let stream: NodeJS.WriteStream | undefined;
  return () => {
    if (!stream) {
      stream = process[name];
      stream.on('error', quietOnClosedPipe);
    }
    return stream;
  };
}

export function processIo(): ProcessIo {
  const stdout = lazyStream('stdout');
  const stderr = lazyStream('stderr');
  return {
    env: process.env,
    cwd: process.cwd(),
    get stdout() {
      return stdout();
    },
    get stderr() {
      return stderr();
    },
    // isatty(0), not process.stdin.isTTY: that getter builds a stdin stream no command needs to start.
    get stdinIsTTY() {
      return (requireBuiltin('node:tty') as typeof import('node:tty')).isatty(0);
    },
  };
}

export async function main(argv: string[] = process.argv, io: ProcessIo = processIo()): Promise<number> {
  const program = createProgram(io, argv);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof ExitSignal) return error.exitCode;
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0; // --help, --version
      const json = argv.includes('--json');
      if (json) {
        // commander already printed its usage line on stderr; give machines the document too.
        const out = fallbackOutput({ json: true }, io);
        return renderError(new UserError('INVALID_USAGE', error.message.replace(/^error: /, ''), { hint: 'Run ai-gateway --help.' }), out, program.args[0] ?? '');
      }
      return 2;
    }
    return renderError(error, fallbackOutput({ json: argv.includes('--json') }, io), '');
  }
}
