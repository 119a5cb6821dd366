/** Flags every LiteLLM-facing command shares (commander only: this file must stay light). */
import { Option, type Command } from 'commander';

export function addConnectionOptions(command: Command, defaultTimeoutSeconds: number, options: { apiKey?: boolean } = {}): Command {
  command.addOption(
    new Option('--base-url <url>', 'LiteLLM address (default: from the gateway .env; LITELLM_PROXY_URL is honoured too)').env('AI_GATEWAY_BASE_URL'),
  );
  if (options.apiKey !== false) {
    command.addOption(new Option('--api-key <->', '"-": read the API key from stdin (a key itself is refused: argv shows in "ps")'));
  }
  command.addOption(new Option('--insecure', 'allow sending the master key over plain http:// to a host that is not this machine'));
  return command
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait for a starting proxy (connection refused, 503, database not connected)').default(
        String(defaultTimeoutSeconds),
      ),
    );
}

export const API_KEY_HELP = `
The admin key is LITELLM_MASTER_KEY from the gateway's .env; a key is never accepted on the
command line (argv shows in "ps"). To use another key, pipe it to --api-key - or set
AI_GATEWAY_API_KEY or LITELLM_PROXY_API_KEY. The gateway's own keys are sent only to the gateway
or to a --base-url you pass: with LITELLM_PROXY_URL (another proxy), give its key too.`;
