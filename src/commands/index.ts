/** Every command, in the order `--help` lists them. Each file only defines flags and help. */
import type { Command } from 'commander';
import type { ActionFactory } from '../core/command.js';
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

export function registerCommands(program: Command, action: ActionFactory): void {
  void action;
  void program;
  registerSetup(program, action);
  registerStart(program, action);
  registerStop(program, action);
  registerStatus(program, action);
  registerLogs(program, action);
  registerKeyCommand(program, action);
  registerModelsCommand(program, action);
  registerOpenapiCommand(program, action);
  registerDoctor(program, action);
  registerSmoke(program, action);
}
