import type { Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';
import { addConnectionOptions } from '../shared/connection.command.js';

export function registerOpenapiCommand(program: Command, action: ActionFactory): void {
  const command = program
    .command('openapi')
    .description("Download LiteLLM's OpenAPI spec, check it is OpenAPI 3.x, and print its version, title and path count")
    .option('-o, --output <file>', 'write the spec to <file> ("-" prints it on stdout)');
  addConnectionOptions(command, 30, { apiKey: false }).action(action('openapi', () => import('./openapi.handler.js')));
}
