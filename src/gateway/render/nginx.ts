/** nginx/nginx.conf, rendered from templates/nginx.conf (complete: it replaces the image's own nginx.conf). */
import type { GatewaySettings } from '../settings.js';
import { loadTemplate, renderTemplate } from './template.js';

/**
 * Plain HTTP, or with `tls` HTTPS on 443 plus the redirect server on 80. Redirects name the
 * published HTTPS port (Nginx only knows its own 443), so a changed NGINX_PORT needs setup again.
 */
export function renderNginxConf(settings: Pick<GatewaySettings, 'tls' | 'ports'> = { ports: { litellm: 0 } }): string {
  const httpsPort = settings.ports.nginx ?? 443;
  return renderTemplate(loadTemplate('nginx.conf'), {
    tls: Boolean(settings.tls),
    hsts: settings.tls?.hsts === true,
    httpsPortSuffix: httpsPort === 443 ? '' : `:${httpsPort}`,
  });
}
