/** nginx/nginx.conf, rendered from templates/nginx.conf (complete: it replaces the image's own nginx.conf). */
import { loadTemplate, renderTemplate } from './template.js';

/** `swarm`: a second server on LiteLLM's port 4000 passes everything to the replicas (the admin port; docker-stack.yml publishes it on Nginx). */
export function renderNginxConf(options: { swarm?: boolean } = {}): string {
  return renderTemplate(loadTemplate('nginx.conf'), { swarm: options.swarm === true });
}
