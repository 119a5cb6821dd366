/**
 * docker-compose.yml (from templates/docker-compose.yml) and docker-compose.override.yml (the
 * host-specific part: published ports, the LiteLLM worker count, the user LiteLLM runs as and the
 * provider variables config.yaml reads). Both interpolate `.env` (`${VAR}`) instead of baking
 * values in, so an edit to `.env` applies on the next start and no secret is ever written here.
 */
import { Document } from 'yaml';
import { ENV, INTERNAL_PORTS, RESOURCE_PROFILES, SERVICES, type GatewaySettings } from '../settings.js';
import { containerUser, LITELLM_FIXED_ENV, litellmEnvReferences } from '../container-access.js';
import { loadTemplate, renderTemplate } from './template.js';

export function renderCompose(settings: Pick<GatewaySettings, 'nginx'>): string {
  return renderTemplate(loadTemplate('docker-compose.yml'), { nginx: settings.nginx });
}

/** The LiteLLM container arguments for a resource profile (its entrypoint runs `litellm "$@"`). */
export function litellmCommand(profile: GatewaySettings['resourceProfile']): string[] {
  const command = ['--config', '/app/config.yaml', '--port', String(INTERNAL_PORTS.litellm)];
  const workers = RESOURCE_PROFILES[profile].workers;
  if (workers !== null) command.push('--num_workers', String(workers));
  return command;
}

const publish = (envKey: string, internal: number, host = `\${${ENV.bind}}`) => `${host}:\${${envKey}}:${internal}`;

/** Where LiteLLM's own port is published: behind Nginx it is the admin door, kept on loopback unless --expose-admin. */
export function litellmPublishHost(settings: Pick<GatewaySettings, 'nginx' | 'exposeAdmin'>): string {
  return settings.nginx && settings.exposeAdmin !== true ? '127.0.0.1' : `\${${ENV.bind}}`;
}

export interface OverrideHost {
  /** The uid setup runs as (null where there are no uids): LiteLLM runs as the owner of config.yaml. */
  uid: number | null;
  /** config.yaml as it will be written: every os.environ/NAME it reads is handed to LiteLLM. */
  configYaml: string | null;
}

export function currentHost(configYaml: string | null = null): OverrideHost {
  return { uid: typeof process.getuid === 'function' ? process.getuid() : null, configYaml };
}

export function renderOverride(settings: GatewaySettings, host: OverrideHost = currentHost()): string {
  const services: Record<string, Record<string, unknown>> = {};
  const providerEnv = litellmEnvReferences(host.configYaml ?? '').filter((name) => !LITELLM_FIXED_ENV.includes(name));
  services[SERVICES.litellm] = {
    user: containerUser(host.uid),
    command: litellmCommand(settings.resourceProfile),
    ...(providerEnv.length > 0 ? { environment: Object.fromEntries(providerEnv.map((name) => [name, `\${${name}:-}`])) } : {}),
    ports: [publish(ENV.litellmPort, INTERNAL_PORTS.litellm, litellmPublishHost(settings))],
  };
  if (settings.nginx && settings.tls) {
    // HTTPS on the Nginx port; the certificate and key read-only (the master process reads them as root).
    services[SERVICES.nginx] = {
      ports: [publish(ENV.nginxPort, INTERNAL_PORTS.nginxTls), ...(settings.ports.httpRedirect !== undefined ? [publish(ENV.httpRedirectPort, INTERNAL_PORTS.nginx)] : [])],
      volumes: ['./tls:/etc/nginx/tls:ro'],
    };
  } else if (settings.nginx) {
    services[SERVICES.nginx] = { ports: [publish(ENV.nginxPort, INTERNAL_PORTS.nginx)] };
  } else {
    services[SERVICES.openWebui] = { ports: [publish(ENV.webuiPort, INTERNAL_PORTS.openWebui)] };
  }
  if (settings.exposePostgres) {
    services[SERVICES.postgres] = { ports: [publish(ENV.postgresPort, INTERNAL_PORTS.postgres)] };
  }
  const doc = new Document({ services });
  const command = doc.getIn(['services', SERVICES.litellm, 'command'], true) as { flow?: boolean } | undefined;
  if (command) command.flow = true;
  const workers = RESOURCE_PROFILES[settings.resourceProfile].workers;
  doc.commentBefore = [
    ' docker-compose.override.yml - managed by ai-gateway setup (re-running setup rewrites it).',
    ' Host-specific settings, applied on top of docker-compose.yml by Compose:',
    `   resource profile: ${settings.resourceProfile} (${workers === null ? "LiteLLM's default worker count" : `${workers} LiteLLM worker${workers === 1 ? '' : 's'}`})`,
    `   published on \${${ENV.bind}} (from .env): ${settings.nginx ? `Nginx${settings.tls ? ' (HTTPS)' : ''}${settings.exposeAdmin === true ? ' and the LiteLLM admin port (--expose-admin)' : '; the LiteLLM admin port on 127.0.0.1 only'}` : 'Open WebUI and LiteLLM'}${settings.exposePostgres ? ', and PostgreSQL' : ''}`,
    `   LiteLLM runs as ${containerUser(host.uid)}: config.yaml's owner and group 0 (the image's writable paths are group 0), never root`,
    `   LiteLLM gets the variables config.yaml reads${providerEnv.length > 0 ? ` (${providerEnv.join(', ')})` : ''}, from .env; re-run setup after adding one`,
    ' Change ports and profiles with `ai-gateway setup` (or in .env), not here.',
  ].join('\n');
  return doc.toString({ defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 });
}
