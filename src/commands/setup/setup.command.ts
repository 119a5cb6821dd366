/** `ai-gateway setup`: flags and help only (commander and nothing heavy, so --help stays fast). */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';

/** A repeatable option's values, in order. */
const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/**
 * --provider, --provider-key-env and --provider-base-url, paired in the order given: the key-env and
 * base-url flags belong to the --provider before them. All three options hold the same list.
 */
function providerRequests() {
  const requests: { prefix: string; keyEnv?: string; baseUrl?: string }[] = [];
  const attach = (field: 'keyEnv' | 'baseUrl', flag: string) => (value: string) => {
    const last = requests.at(-1);
    if (!last) throw new InvalidArgumentError(`${flag} belongs to a --provider: put it after --provider <prefix>.`);
    if (last[field] !== undefined) throw new InvalidArgumentError(`--provider ${last.prefix} has ${flag} twice; give a --provider before each.`);
    last[field] = value;
    return requests;
  };
  return {
    add: (value: string) => {
      requests.push({ prefix: value.trim() });
      return requests;
    },
    keyEnv: attach('keyEnv', '--provider-key-env'),
    baseUrl: attach('baseUrl', '--provider-base-url'),
  };
}

export function registerSetup(program: Command, action: ActionFactory): void {
  const providers = providerRequests();
  program
    .command('setup')
    .summary('create or update the gateway files (.env, config.yaml, compose, nginx)')
    .description(
      'Create or update the gateway in --dir: .env (settings and secrets), config.yaml, docker-compose.yml, ' +
        'docker-compose.override.yml, nginx/nginx.conf and .gitignore. Interactive in a terminal; with --yes, without a TTY ' +
        'or with CI set, every answer comes from a flag, an AI_GATEWAY_* variable, the existing files, or the default. ' +
        'Secrets are generated once and never regenerated.',
    )
    .addOption(new Option('--mode <mode>', 'existing directory: reuse (keep every secret and setting) or recreate (back up, start over)').env('AI_GATEWAY_MODE'))
    .addOption(new Option('--profile <name>', 'resource profile: desktop (4 LiteLLM workers), small (1), medium (2), large (6), none').env('AI_GATEWAY_PROFILE'))
    .addOption(new Option('--budget <name>', 'budget profile per 30 days: test ($15), prod ($200), unlimited ($1000)').env('AI_GATEWAY_BUDGET'))
    .option('--nginx', 'put Nginx in front (the default; env AI_GATEWAY_NGINX=yes|no)')
    .option('--no-nginx', 'no Nginx: LiteLLM and Open WebUI get their own host ports')
    .addOption(new Option('--ports <mode>', 'host ports: default (3000/4000), random (free ports in 49152-65535) or manual').env('AI_GATEWAY_PORTS'))
    .addOption(new Option('--nginx-port <port>', 'host port of Nginx (API and Open WebUI)').env('AI_GATEWAY_NGINX_PORT'))
    .addOption(new Option('--litellm-port <port>', 'host port of LiteLLM (admin UI; the API too without Nginx)').env('AI_GATEWAY_LITELLM_PORT'))
    .addOption(new Option('--webui-port <port>', 'host port of Open WebUI (without Nginx)').env('AI_GATEWAY_WEBUI_PORT'))
    .addOption(new Option('--postgres-port <port>', 'host port of PostgreSQL (with --expose-postgres)').env('AI_GATEWAY_POSTGRES_PORT'))
    .addOption(new Option('--bind <address>', 'address the ports are published on: 127.0.0.1 (default) or 0.0.0.0 (the LAN)').env('AI_GATEWAY_BIND'))
    .option('--expose-postgres', 'publish PostgreSQL on the host too (env AI_GATEWAY_EXPOSE_POSTGRES=yes|no)')
    .option('--no-expose-postgres', 'do not publish PostgreSQL (the default)')
    .option('--expose-admin', "with Nginx: publish LiteLLM's admin port on --bind too, not only on 127.0.0.1 (env AI_GATEWAY_EXPOSE_ADMIN=yes|no)")
    .option('--no-expose-admin', "keep LiteLLM's admin port on 127.0.0.1 (the default with Nginx)")
    .option('--limits', 'memory and CPU limits from the resource profile (the default; env AI_GATEWAY_LIMITS=yes|no)')
    .option('--no-limits', 'no memory or CPU limits on the containers')
    .addOption(new Option('--log-max-size <size>', 'Docker log rotation: size of each container log file, e.g. 20m (default per profile)').env('AI_GATEWAY_LOG_MAX_SIZE'))
    .addOption(new Option('--log-max-files <n>', 'Docker log rotation: files kept per container (default per profile)').env('AI_GATEWAY_LOG_MAX_FILES'))
    .addOption(new Option('--project-name <name>', 'Docker Compose project name (default: aigw-<directory name>)').env('AI_GATEWAY_PROJECT_NAME'))
    .addOption(new Option('--litellm-image <ref>', 'LiteLLM image').env('AI_GATEWAY_LITELLM_IMAGE'))
    .addOption(new Option('--postgres-image <ref>', 'PostgreSQL image').env('AI_GATEWAY_POSTGRES_IMAGE'))
    .addOption(new Option('--open-webui-image <ref>', 'Open WebUI image').env('AI_GATEWAY_OPEN_WEBUI_IMAGE'))
    .addOption(new Option('--nginx-image <ref>', 'Nginx image').env('AI_GATEWAY_NGINX_IMAGE'))
    .addOption(new Option('--azure-api-base <url>', 'Azure OpenAI endpoint (with AI_GATEWAY_AZURE_API_KEY)').env('AI_GATEWAY_AZURE_API_BASE'))
    .addOption(new Option('--azure-api-version <version>', 'Azure OpenAI API version').env('AI_GATEWAY_AZURE_API_VERSION'))
    .addOption(new Option('--azure-deployment <name>', 'Azure deployment for the friendly model entry (default gpt-4o)').env('AI_GATEWAY_AZURE_DEPLOYMENT'))
    .addOption(new Option('--ollama-base-url <url>', 'Ollama URL as the LiteLLM container sees it, e.g. http://host.docker.internal:11434').env('AI_GATEWAY_OLLAMA_API_BASE'))
    .addOption(new Option('--lm-studio-base-url <url>', 'LM Studio server as the LiteLLM container sees it, e.g. http://host.docker.internal:1234/v1').env('AI_GATEWAY_LM_STUDIO_BASE_URL'))
    .addOption(new Option('--provider <prefix>', "add any LiteLLM provider by its prefix (fireworks_ai, bedrock, hosted_vllm, ...); repeatable").argParser(providers.add))
    .addOption(new Option('--provider-key-env <NAME>', 'the .env variable for the key of the --provider before it (default <PREFIX>_API_KEY; the key itself comes from AI_GATEWAY_<NAME> or a hidden prompt)').argParser(providers.keyEnv))
    .addOption(new Option('--provider-base-url <url>', 'the endpoint of the --provider before it, as the LiteLLM container reaches it').argParser(providers.baseUrl))
    .addOption(new Option('--remove-provider <id>', 'take a provider out: its managed config.yaml entries and its key in .env (asks first; --yes to confirm); repeatable').argParser(collect))
    .addOption(new Option('--engine <engine>', 'compose (this machine, the default) or swarm (docker stack deploy, replicas)').env('AI_GATEWAY_ENGINE'))
    .addOption(new Option('--replicas <n>', 'LiteLLM replicas (more than 1 needs --engine swarm; turns Redis on)').env('AI_GATEWAY_REPLICAS'))
    .addOption(new Option('--webui-replicas <n>', 'Open WebUI replicas (more than 1: its own PostgreSQL database and Redis)').env('AI_GATEWAY_WEBUI_REPLICAS'))
    .option('--redis', 'run Redis for shared rate limits and router state even with one replica (env AI_GATEWAY_REDIS=yes|no)')
    .option('--no-redis', 'no Redis unless replicas need it (the default)')
    .addOption(new Option('--redis-image <ref>', 'Redis image').env('AI_GATEWAY_REDIS_IMAGE'))
    .addOption(new Option('--postgres-max-connections <n>', "PostgreSQL max_connections; setup refuses one smaller than replicas x workers x pool").env('AI_GATEWAY_POSTGRES_MAX_CONNECTIONS'))
    .addOption(new Option('--tls-cert <file>', 'serve HTTPS on the Nginx port with this certificate (PEM, chain after it); copied into tls/').env('AI_GATEWAY_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', "the certificate's private key (PEM, unencrypted); copied into tls/ at mode 600, never shown").env('AI_GATEWAY_TLS_KEY'))
    .addOption(new Option('--tls <mode>', 'HTTPS without your own certificate: self-signed (made for this host), or off').env('AI_GATEWAY_TLS'))
    .option('--hsts', 'with HTTPS: send Strict-Transport-Security (browsers then refuse plain HTTP to this host; env AI_GATEWAY_HSTS=yes|no)')
    .option('--no-hsts', 'no Strict-Transport-Security header (the default)')
    .addOption(new Option('--http-redirect-port <port>', 'with HTTPS: a host port for plain HTTP that redirects to HTTPS (off to drop it)').env('AI_GATEWAY_HTTP_REDIRECT_PORT'))
    .option('--dry-run', 'show what would change (create / update / unchanged, with a diff; secrets masked) and write nothing')
    .addHelpText(
      'after',
      `
Secrets are never flags (they would show in ps). Supply them as environment variables, or let setup generate them:
  AI_GATEWAY_MASTER_KEY, AI_GATEWAY_SALT_KEY, AI_GATEWAY_POSTGRES_PASSWORD, AI_GATEWAY_UI_PASSWORD,
  AI_GATEWAY_WEBUI_SECRET_KEY, and provider keys: AI_GATEWAY_OPENAI_API_KEY, AI_GATEWAY_ANTHROPIC_API_KEY,
  AI_GATEWAY_GEMINI_API_KEY, AI_GATEWAY_GROQ_API_KEY, AI_GATEWAY_MISTRAL_API_KEY, AI_GATEWAY_DEEPSEEK_API_KEY,
  AI_GATEWAY_TOGETHERAI_API_KEY, AI_GATEWAY_OPENROUTER_API_KEY, AI_GATEWAY_XAI_API_KEY, AI_GATEWAY_PERPLEXITY_API_KEY,
  AI_GATEWAY_AZURE_API_KEY (Gemini also takes AI_GATEWAY_GOOGLE_API_KEY). Any other provider's key:
  AI_GATEWAY_<NAME>, where NAME is its --provider-key-env (default <PREFIX>_API_KEY).
  Without --provider flags, AI_GATEWAY_PROVIDERS=fireworks_ai,deepinfra:DEEPINFRA_TOKEN names them (base URLs:
  AI_GATEWAY_<PREFIX>_API_BASE).

Other LiteLLM providers: --provider-key-env and --provider-base-url apply to the --provider before them.
  AI_GATEWAY_FIREWORKS_AI_API_KEY=... ai-gateway setup --yes --provider fireworks_ai
  AI_GATEWAY_DEEPINFRA_TOKEN=... ai-gateway setup --yes --provider hosted_vllm --provider-base-url http://host.docker.internal:8000/v1 \\
      --provider deepinfra --provider-key-env DEEPINFRA_TOKEN
  ai-gateway setup --remove-provider groq --yes          # its managed entries and GROQ_API_KEY go

Examples:
  npx @ai-gateway/cli setup                              # interactive
  ai-gateway setup --yes --dir /srv/gateway              # defaults, no questions
  AI_GATEWAY_OPENAI_API_KEY=sk-... ai-gateway setup --yes --profile small --ports random
  ai-gateway setup --dry-run                             # preview the changes
  ai-gateway setup --yes --engine swarm --replicas 2     # Docker Swarm, two LiteLLM replicas, Redis

HTTPS (the API and Open WebUI on the Nginx port):
  ai-gateway setup --tls-cert /etc/ssl/gw/fullchain.pem --tls-key /etc/ssl/gw/privkey.pem --http-redirect-port 8080
  ai-gateway setup --tls self-signed                     # a certificate for this host's names; says how to trust it
  ai-gateway setup --tls off                             # back to plain HTTP`,
    )
    .action(action('setup', () => import('./setup.handler.js')));
}
