/** `ai-gateway completion <shell>`: flags and help only (the handler loads on demand). */
import type { Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';
import { describeCommand, SHELLS } from './spec.js';

export function registerCompletion(program: Command, action: ActionFactory): void {
  program
    .command('completion')
    .description('Print a shell completion script (commands, flags, their values, service names)')
    .argument('<shell>', SHELLS.join(', '))
    .addHelpText(
      'after',
      `
Install (once; the script is generated from this version's commands, so run it again after an upgrade):
  bash        ai-gateway completion bash > ~/.local/share/bash-completion/completions/ai-gateway
  zsh         ai-gateway completion zsh > "\${fpath[1]}/_ai-gateway"     (then: compinit)
  fish        ai-gateway completion fish > ~/.config/fish/completions/ai-gateway.fish
  powershell  ai-gateway completion powershell | Out-String | Invoke-Expression   (add it to $PROFILE)
Or for this shell only:  source <(ai-gateway completion bash)`,
    )
    // The handler gets the whole program, as commander built it, to describe (every command is built
    // for this command: src/commands/index.ts).
    .hook('preAction', (command) => {
      let root = command;
      while (root.parent) root = root.parent;
      command.setOptionValue('program', describeCommand(root));
    })
    .action(action('completion', () => import('./completion.handler.js')));
}
