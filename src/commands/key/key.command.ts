/** `ai-gateway key …`: virtual keys on the running proxy. Subcommands are defined in their own files. */
import type { Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';
import { defineCreateCommand } from './create.command.js';
import { defineInfoCommand } from './info.command.js';
import { defineListCommand } from './list.command.js';
import { defineRevokeCommand } from './revoke.command.js';
import { defineRotateCommand } from './rotate.command.js';

export function registerKeyCommand(program: Command, action: ActionFactory): void {
  const key = program
    .command('key')
    .description('Manage virtual keys: create, list, info, revoke, rotate (the master key never leaves .env)');
  defineCreateCommand(key, action);
  defineListCommand(key, action);
  defineInfoCommand(key, action);
  defineRevokeCommand(key, action);
  defineRotateCommand(key, action);
}
