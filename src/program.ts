/**
 * Builds the commander program: global flags and the command list. Command definitions are
 * light (flags and help only); handlers load on demand, so `--version`/`--help` stay fast.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { createActionFactory } from './core/command.js';
import { createRealContext } from './context.js';
import { packageFile } from './core/package-root.js';
import type { ProcessIo } from './core/context.js';
import { invokedCommand, registerCommands } from './commands/index.js';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** `argv` (as process.argv) lets the program build only the command it runs; without it, every command is built. */
export function createProgram(io: ProcessIo, argv?: readonly string[]): Command {
  const program = new Command('ai-gateway')
    .description('Set up and operate a self-hosted LLM gateway: LiteLLM, PostgreSQL, Open WebUI and Nginx on Docker Compose.')
    .version(packageVersion(), '-v, --version', 'print the version')
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
