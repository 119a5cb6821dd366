/**
 * The shipped templates (templates/ in the package) and a deliberately tiny renderer:
 * `{{#flag}}...{{/flag}}` keeps a block when flag is true, `{{^flag}}...{{/flag}}` when false,
 * `{{name}}` inserts a value. Nothing else is special, so `${VAR}` (Compose) and `$var` (Nginx) pass through.
 */
import { readFileSync } from 'node:fs';
import { InternalError } from '../../core/errors.js';
import { packageFile } from '../../core/package-root.js';

export type TemplateName = 'docker-compose.yml' | 'nginx.conf';

const cache = new Map<TemplateName, string>();

export function loadTemplate(name: TemplateName): string {
  let text = cache.get(name);
  if (text === undefined) {
    try {
      text = readFileSync(packageFile('templates', name), 'utf8');
    } catch (error) {
      throw new InternalError('TEMPLATE_MISSING', `The template ${name} is missing from the ai-gateway package.`, {
        hint: 'Reinstall ai-gateway (npm install -g @ai-gateway/cli), then run the command again.',
        cause: error,
      });
    }
    cache.set(name, text);
  }
  return text;
}

export type TemplateValues = Record<string, string | boolean>;

const SECTION = /^[ \t]*\{\{([#^])(\w+)\}\}[ \t]*\n([\s\S]*?)^[ \t]*\{\{\/\2\}\}[ \t]*\n/gm;
const VARIABLE = /\{\{(\w+)\}\}/g;

export function renderTemplate(text: string, values: TemplateValues): string {
  const withSections = text.replace(SECTION, (_, kind: string, name: string, body: string) => {
    const value = lookup(values, name);
    if (typeof value !== 'boolean') throw new InternalError('TEMPLATE_ERROR', `Template section "${name}" needs a true/false value.`);
    return (kind === '#') === value ? body : '';
  });
  const rendered = withSections.replace(VARIABLE, (_, name: string) => {
    const value = lookup(values, name);
    if (typeof value !== 'string') throw new InternalError('TEMPLATE_ERROR', `Template value "${name}" must be a string.`);
    return value;
  });
  if (/\{\{[#^/]?\w+\}\}/.test(rendered)) throw new InternalError('TEMPLATE_ERROR', 'A template tag was left unrendered (unbalanced section?).');
  return rendered;
}

function lookup(values: TemplateValues, name: string): string | boolean {
  if (!Object.hasOwn(values, name)) throw new InternalError('TEMPLATE_ERROR', `Template value "${name}" was not provided.`);
  return values[name] as string | boolean;
}
