/** Flags every LiteLLM-facing command shares (commander only: this file must stay light). */
import { Option, type Command } from 'commander';

export function addConnectionOptions(command: Command, defaultTimeoutSeconds: number): Command {
  return command
    .addOption(
      new Option('--base-url <url>', 'LiteLLM address (default: from the gateway .env; LITELLM_PROXY_URL is honoured too)').env('AI_GATEWAY_BASE_URL'),
    )
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait for a starting proxy (connection refused, 503, database not connected)').default(
        String(defaultTimeoutSeconds),
      ),
    );
}

export const API_KEY_HELP = `
The admin key is LITELLM_MASTER_KEY from the gateway's .env; it is never accepted on the command
line (argv shows in "ps"). To talk to another proxy, set LITELLM_PROXY_URL (or --base-url) and
AI_GATEWAY_API_KEY or LITELLM_PROXY_API_KEY in the environment.`;
