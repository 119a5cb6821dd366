/**
 * Literal secret values in config.yaml: setup writes none (only `os.environ/NAME`), but a user may
 * paste a provider key into their own entry. Backup needs to know, because no secret may reach an
 * archive in clear text.
 */
import { parse } from 'yaml';

const SECRET_KEY_NAME = /(^|_)(api_key|key|secret|password|token|master_key|salt_key|database_url|aws_secret_access_key|credentials?)$/i;

/** Paths (`model_list[2].litellm_params.api_key`) whose value is a literal, not os.environ/NAME. */
export function literalSecretPaths(configText: string): string[] {
  let doc: unknown;
  try {
    doc = parse(configText);
  } catch {
    return [];
  }
  const found: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        const here = path ? `${path}.${key}` : key;
        if (typeof value === 'string' && SECRET_KEY_NAME.test(key) && value.trim() !== '' && !value.startsWith('os.environ/')) found.push(here);
        else walk(value, here);
      }
    }
  };
  walk(doc, '');
  return found;
}
