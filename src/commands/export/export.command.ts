/** `ai-gateway export kubernetes`: flags and help only (the handler loads on demand). */
import { Option, type Command } from 'commander';
import { registerOnly, type ActionFactory } from '../../core/command.js';

const SUBCOMMANDS = [
  [
    'kubernetes',
    (parent: Command, action: ActionFactory) =>
      parent
        .command('kubernetes')
        .alias('k8s')
        .description('Values for the official LiteLLM and Open WebUI Helm charts, manifests for PostgreSQL, Redis and the Ingress, and the commands')
        .requiredOption('-o, --output <dir>', 'directory to write (created at mode 700; an earlier export there is replaced)')
        .option('--include-secrets', 'also write the Secrets with their values (manifests/10-secrets.yaml); without it no secret value is written')
        .addOption(new Option('--namespace <name>', 'Kubernetes namespace (default: the project name)'))
        .option('--host <name>', 'host name of the Ingress (default: any host)')
        .option('--replicas <n>', 'LiteLLM replicas', '2')
        .option('--webui-replicas <n>', 'Open WebUI replicas (more than 1: its own PostgreSQL database and a ReadWriteMany volume)', '1')
        .option('--ingress-class <name>', 'ingressClassName (an NGINX Ingress controller: the route policy uses its annotations)', 'nginx')
        .addHelpText(
          'after',
          `
Reads .env, config.yaml and the settings of this gateway; writes nothing into the gateway except
REDIS_PASSWORD in .env when it has none yet (generated once, like every secret). Without
--include-secrets the Secrets are made from .env by the generated create-secrets.sh.

Examples:
  ai-gateway export kubernetes --output k8s --host llm.example.com
  ai-gateway export kubernetes --output k8s --replicas 3 --webui-replicas 2 --json`,
        )
        .action(action('export kubernetes', () => import('./kubernetes.handler.js'))),
  ],
] as const;

export function registerExport(program: Command, action: ActionFactory, only?: string): void {
  const parent = program.command('export').description('Export the gateway for another engine: kubernetes (the official Helm charts)');
  registerOnly(SUBCOMMANDS, only === 'k8s' ? 'kubernetes' : only, (define) => define(parent, action));
}
