/** `ai-gateway key …`: virtual keys on the running proxy. Subcommands are defined in their own files. */
import type { Command } from 'commander';
import { registerOnly, type ActionFactory } from '../../core/command.js';
import { defineCreateCommand } from './create.command.js';
import { defineInfoCommand } from './info.command.js';
import { defineListCommand } from './list.command.js';
import { defineRevokeCommand } from './revoke.command.js';
import { defineRotateCommand } from './rotate.command.js';

const SUBCOMMANDS = [
  ['create', defineCreateCommand],
  ['list', defineListCommand],
  ['info', defineInfoCommand],
  ['revoke', defineRevokeCommand],
  ['rotate', defineRotateCommand],
] as const;

/** `only`: the subcommand this run invokes, the only one built then (see registerOnly). */
export function registerKeyCommand(program: Command, action: ActionFactory, only?: string): void {
  const key = program
    .command('key')
    .description('Manage virtual keys: create, list, info, revoke, rotate (the master key never leaves .env)');
  registerOnly(SUBCOMMANDS, only, (define) => define(key, action));
}
