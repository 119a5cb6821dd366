/**
 * Every command, in the order `--help` lists them. Each file only defines flags and help.
 *
 * Building every command's options costs ~7 ms of a cold start (commander creates an Option
 * object per flag), so a run that names its command builds only that one (see registerOnly).
 * Without a known command (`--help`, `help <cmd>`, a typo) everything is built, so help and
 * errors read the same.
 */
import type { Command } from 'commander';
import { registerOnly, type ActionFactory } from '../core/command.js';
import { registerSetup } from './setup/setup.command.js';
import { registerKeyCommand } from './key/key.command.js';
import { registerModelsCommand } from './models/models.command.js';
import { registerOpenapiCommand } from './openapi/openapi.command.js';
import { registerStart } from './start/start.command.js';
import { registerStop } from './stop/stop.command.js';
import { registerStatus } from './status/status.command.js';
import { registerLogs } from './logs/logs.command.js';
import { registerDoctor } from './doctor/doctor.command.js';
import { registerSmoke } from './smoke/smoke.command.js';
import { registerBackup } from './backup/backup.command.js';
import { registerRestore } from './restore/restore.command.js';
import { registerUpgrade } from './upgrade/upgrade.command.js';
import { registerService } from './service/service.command.js';
import { registerExport } from './export/export.command.js';
import { registerCompletion } from './completion/completion.command.js';

/** `only`: the subcommand this run invokes, for commands that have subcommands (`key create`). */
export type Register = (program: Command, action: ActionFactory, only?: string) => void;

export const COMMANDS: ReadonlyArray<readonly [name: string, register: Register]> = [
  ['setup', registerSetup],
  ['start', registerStart],
  ['stop', registerStop],
  ['status', registerStatus],
  ['logs', registerLogs],
  ['key', registerKeyCommand],
  ['models', registerModelsCommand],
  ['openapi', registerOpenapiCommand],
  ['doctor', registerDoctor],
  ['smoke', registerSmoke],
  ['backup', registerBackup],
  ['restore', registerRestore],
  ['upgrade', registerUpgrade],
  ['service', registerService],
  ['export', registerExport],
  ['completion', registerCompletion],
];

/** `path`: the command words this run invokes (see invokedCommand); empty builds everything. */
export function registerCommands(program: Command, action: ActionFactory, path: readonly string[] = []): void {
  // `completion` describes every command, so it needs them all built.
  if (path[0] === 'completion') path = [];
  registerOnly(COMMANDS, path[0], (register) => register(program, action, path[1]));
}


/** Global options that take a value: their value is not the command name. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['-d', '--dir']);

/** The command words an argv (without node and the script) starts with: its first two words that are not options or an option's value. */
export function invokedCommand(args: readonly string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < args.length && words.length < 2; i++) {
    const arg = args[i] as string;
    if (arg === '--') break;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith('-')) words.push(arg);
  }
  return words;
}
