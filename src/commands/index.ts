/** Every command, in the order `--help` lists them. Each file only defines flags and help. */
import type { Command } from 'commander';
import type { ActionFactory } from '../core/command.js';

export function registerCommands(program: Command, action: ActionFactory): void {
  void action;
  void program;
}
