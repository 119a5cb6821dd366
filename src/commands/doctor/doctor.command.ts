/** `ai-gateway doctor`: flags and help only (the handler loads on demand). */
import type { Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';

export function registerDoctor(program: Command, action: ActionFactory): void {
  program
    .command('doctor')
    .description('Check the machine, the files, the running stack and its API; each problem comes with its fix')
    .option('--fix', 'repair what is safe to repair (file modes, missing .gitignore lines) and say what was done')
    .option('--group <names>', 'only these groups, comma-separated: environment, files, stack, api')
    .option('--check <ids>', 'only these checks, comma-separated (ids as shown in brackets, e.g. files.modes)')
    .addHelpText(
      'after',
      `
Every check reports ok, warn, fail or skipped (when what it needs is missing, e.g. API checks
while the stack is stopped) with a one-line finding, and the fix when it is not ok.

Examples:
  ai-gateway doctor
  ai-gateway doctor --fix                 chmod 600 the secret files, add .gitignore lines
  ai-gateway doctor --group api --json    versioned JSON: { checks: [...], summary: {...} }

Exit codes: 0 no check failed (warnings allowed), 6 at least one check failed.
Inside GitHub Actions (GITHUB_ACTIONS=true) failures are also printed as ::error annotations.`,
    )
    .action(action('doctor', () => import('./doctor.handler.js')));
}
