/** nginx/nginx.conf, rendered from templates/nginx.conf (complete: it replaces the image's own nginx.conf). */
import type { GatewaySettings } from '../settings.js';
import { loadTemplate, renderTemplate } from './template.js';

/**
 * Plain HTTP, or with `tls` HTTPS on 443 plus the redirect server on 80. Redirects name the
 * published HTTPS port (Nginx only knows its own 443), so a changed NGINX_PORT needs setup again.
 */
/** `swarm`: a second server on LiteLLM's port 4000 passes everything to the replicas (the admin port; docker-stack.yml publishes it on Nginx). */
export function renderNginxConf(settings: Pick<GatewaySettings, 'tls' | 'ports'> = { ports: { litellm: 0 } }, options: { swarm?: boolean } = {}): string {
  const httpsPort = settings.ports.nginx ?? 443;
  return renderTemplate(loadTemplate('nginx.conf'), {
    tls: Boolean(settings.tls),
    hsts: settings.tls?.hsts === true,
    httpsPortSuffix: httpsPort === 443 ? '' : `:${httpsPort}`,
    swarm: options.swarm === true,
  });
}
