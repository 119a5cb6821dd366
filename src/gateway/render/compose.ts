/**
 * docker-compose.yml (from templates/docker-compose.yml) and docker-compose.override.yml (the
 * host-specific part: published ports and the LiteLLM worker count). Both interpolate `.env`
 * (`${VAR}`) instead of baking values in, so an edit to `.env` applies on the next start.
 */
import { Document } from 'yaml';
import { ENV, INTERNAL_PORTS, RESOURCE_PROFILES, SERVICES, type GatewaySettings } from '../settings.js';
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

const publish = (envKey: string, internal: number) => `\${${ENV.bind}}:\${${envKey}}:${internal}`;

export function renderOverride(settings: GatewaySettings): string {
  const services: Record<string, Record<string, unknown>> = {};
  services[SERVICES.litellm] = {
    command: litellmCommand(settings.resourceProfile),
    ports: [publish(ENV.litellmPort, INTERNAL_PORTS.litellm)],
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
    `   published on \${${ENV.bind}} (from .env): ${settings.nginx ? `Nginx${settings.tls ? ' (HTTPS)' : ''} and the LiteLLM admin port` : 'Open WebUI and LiteLLM'}${settings.exposePostgres ? ', and PostgreSQL' : ''}`,
    ' Change ports and profiles with `ai-gateway setup` (or in .env), not here.',
  ].join('\n');
  return doc.toString({ defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 });
}
