/**
 * Builds the commander program: global flags and the command list. Command definitions are
 * light (flags and help only); handlers load on demand, so `--version`/`--help` stay fast.
 */
import { Command, Option } from 'commander';
import { createActionFactory } from './core/command.js';
import { createRealContext } from './context.js';
import { cliVersion } from './core/package-root.js';
import type { ProcessIo } from './core/context.js';
import { invokedCommand, registerCommands } from './commands/index.js';

/**
 * A subcommand as the root `--help` lists it (name, arguments, description, whether it has
 * options). Its options are kept but not wired up: commander's listeners, defaults and environment
 * lookups per option are most of building a command (~4 ms of `ai-gateway --help` for all of them),
 * and the root help never uses them. src/commands/index.test.ts checks the text is the same.
 */
class ListedCommand extends Command {
  override createCommand(name?: string): Command {
    return new ListedCommand(name);
  }

  override addOption(option: Option): this {
    (this.options as Option[]).push(option); // commander types the list read-only; it is its own array
    return this;
  }
}

/** The root program for `ai-gateway --help`: its subcommands are ListedCommands. */
class RootHelpProgram extends Command {
  override createCommand(name?: string): Command {
    return new ListedCommand(name);
  }
}

/** `ai-gateway [global options] --help`: no command named, help asked for. */
function isRootHelp(args: readonly string[]): boolean {
  if (invokedCommand(args).length > 0) return false;
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** `argv` (as process.argv) lets the program build only the command it runs; without it, every command is built. */
export function createProgram(io: ProcessIo, argv?: readonly string[]): Command {
  const program = new (argv && isRootHelp(argv.slice(2)) ? RootHelpProgram : Command)('ai-gateway')
    .description('Set up and operate a self-hosted LLM gateway: LiteLLM, PostgreSQL, Open WebUI and Nginx on Docker Compose.')
    .version(cliVersion(), '-v, --version', 'print the version')
    .addOption(new Option('-d, --dir <path>', 'gateway directory (default: current directory)').env('AI_GATEWAY_DIR'))
    .option('--json', 'print one JSON document on stdout (versioned schema) instead of text')
    .option('-y, --yes', 'never prompt: take flags, AI_GATEWAY_* variables, existing files, then defaults')
    .option('--no-color', 'disable colors (NO_COLOR is honoured too)')
    .option('--verbose', 'show debug output: docker commands, HTTP calls (secrets masked)')
    // Every subcommand's --help lists the global options too (subcommands inherit this setting).
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  registerCommands(program, createActionFactory(io, createRealContext), argv ? invokedCommand(argv.slice(2)) : []);
  for (const command of program.commands) command.exitOverride();
  return program;
}
