/** nginx/nginx.conf, rendered from templates/nginx.conf (complete: it replaces the image's own nginx.conf). */
import { loadTemplate, renderTemplate } from './template.js';

export function renderNginxConf(): string {
  return renderTemplate(loadTemplate('nginx.conf'), {});
}
