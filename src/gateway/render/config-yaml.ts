/**
 * config.yaml for the LiteLLM proxy. It holds no secret values (only `os.environ/NAME`), so it is
 * safe to show. On a re-run the existing document is edited, not replaced: the user's comments,
 * settings and `model_list` entries survive; only the entries marked `managed_by: ai-gateway` and
 * the keys setup owns (budget, master key, database) are rewritten.
 */
import { Document, isMap, isScalar, isSeq, parseDocument, YAMLMap, YAMLSeq } from 'yaml';
import { UserError } from '../../core/errors.js';
import { envReferencesIn } from '../container-access.js';
import { MANAGED_BY, modelEntries, type ExtraSelection, type ProviderSelection } from '../providers.js';
import { BUDGET_DURATION, BUDGET_PROFILES, ENV, type BudgetProfile } from '../settings.js';

export interface ConfigInput {
  budgetProfile: BudgetProfile;
  providers: readonly ProviderSelection[];
  /** Other LiteLLM providers (setup --provider <prefix>): one `<prefix>/*` entry each. */
  extras?: readonly ExtraSelection[];
  /** Redis runs (replicas or --redis): the router shares its state there (scale.ts: usesRedis). */
  redis?: boolean;
}

/** router_settings LiteLLM reads Redis from; host/port/password rather than redis_url (the production doc: faster). */
const REDIS_ROUTER_SETTINGS = {
  redis_host: 'os.environ/REDIS_HOST',
  redis_port: 'os.environ/REDIS_PORT',
  redis_password: `os.environ/${ENV.redisPassword}`,
} as const;

export interface RenderedConfig {
  text: string;
  /** Every NAME its `os.environ/NAME` values read (what litellmEnvReferences(text) gives), sorted. */
  envRefs: string[];
  /** Its general_settings.database_connection_pool_limit (what litellmPoolLimit(text) gives). */
  poolLimit: number | undefined;
  /** Things a user should know (e.g. a budget moved to where LiteLLM reads it). */
  notes: string[];
}

const HEADER = [
  ' config.yaml - LiteLLM proxy configuration, managed by ai-gateway setup.',
  ' It holds no secret values: keys are read from the environment (os.environ/NAME, set in .env),',
  ' so this file is safe to show. Setup rewrites only the model_list entries marked',
  ' `managed_by: ai-gateway` and the budget, master key and database settings; add your own',
  ' models and settings freely, re-running setup keeps them.',
].join('\n');

const STRINGIFY = { lineWidth: 0, indentSeq: true } as const;

/** Parse an existing config.yaml, or fail with the line of the first problem. */
export function parseConfigYaml(text: string, fileLabel: string): Document {
  const doc = parseDocument(text, { prettyErrors: true });
  const error = doc.errors[0];
  if (error) {
    const where = error.linePos?.[0] ? ` (line ${error.linePos[0].line}, column ${error.linePos[0].col})` : '';
    throw invalidConfig(fileLabel, `it is not valid YAML${where}: ${error.message.split('\n')[0]}`);
  }
  if (doc.contents !== null && !isMap(doc.contents)) throw invalidConfig(fileLabel, 'its top level is not a mapping of settings');
  return doc;
}

function invalidConfig(fileLabel: string, problem: string): UserError {
  return new UserError('INVALID_CONFIG_YAML', `${fileLabel} cannot be updated: ${problem}.`, {
    hint: `Fix ${fileLabel} by hand, or run "ai-gateway setup --mode recreate" to back it up and write a fresh one.`,
    details: { file: fileLabel },
  });
}

export function renderConfigYaml(existing: string | null, input: ConfigInput, fileLabel = 'config.yaml'): RenderedConfig {
  const notes: string[] = [];
  const fresh = existing === null || existing.trim() === '' || parseConfigYaml(existing, fileLabel).contents === null;
  const doc = fresh ? new Document({}) : parseConfigYaml(existing as string, fileLabel);
  if (fresh) doc.commentBefore = HEADER;

  // model_list: the managed block is replaced where it stood (at the end when there was none);
  // every entry of the user's stays as it is, in its place.
  const currentList = doc.get('model_list', true);
  if (currentList !== undefined && currentList !== null && !isSeq(currentList) && !isNullScalar(currentList)) {
    throw invalidConfig(fileLabel, 'model_list is not a list');
  }
  const oldItems = isSeq(currentList) ? currentList.items : [];
  const firstManaged = oldItems.findIndex(isManaged);
  const userItems = oldItems.filter((item) => !isManaged(item));
  const insertAt = firstManaged === -1 ? userItems.length : oldItems.slice(0, firstManaged).filter((item) => !isManaged(item)).length;
  const managed = modelEntries(input.providers, input.extras).map((entry) => doc.createNode(entry));
  const items = [...userItems.slice(0, insertAt), ...managed, ...userItems.slice(insertAt)];
  if (isSeq(currentList)) {
    currentList.items = items;
    if (items.length > 0) currentList.flow = false; // `model_list: []` grows into a readable block list
  } else {
    const list = new YAMLSeq();
    list.items = items;
    doc.set('model_list', list);
  }

  const litellm = ensureMap(doc, 'litellm_settings', fileLabel);
  litellm.set('max_budget', BUDGET_PROFILES[input.budgetProfile].maxBudget);
  litellm.set('budget_duration', BUDGET_DURATION);
  if (!litellm.has('drop_params')) litellm.set('drop_params', true);

  applyRedis(doc, input.redis === true, fileLabel);

  const general = ensureMap(doc, 'general_settings', fileLabel);
  general.set('master_key', `os.environ/${ENV.masterKey}`);
  general.set('database_url', 'os.environ/DATABASE_URL');
  general.set('store_model_in_db', true);
  // The original project wrote the budget here, where LiteLLM ignores it.
  for (const misplaced of ['max_budget', 'budget_duration']) {
    if (general.has(misplaced)) {
      general.delete(misplaced);
      notes.push(`Moved ${misplaced} from general_settings to litellm_settings in ${fileLabel} (LiteLLM reads it there).`);
    }
  }
  // Read from the document, not by parsing the text again: setup's start-up would pay for it.
  return { text: doc.toString(STRINGIFY), envRefs: envReferencesIn(doc), poolLimit: poolLimitIn(doc), notes };
}

/** Adds the Redis router settings, or takes out the ones setup wrote (a user's own values stay). */
function applyRedis(doc: Document, redis: boolean, fileLabel: string): void {
  if (redis) {
    const router = ensureMap(doc, 'router_settings', fileLabel);
    for (const [key, value] of Object.entries(REDIS_ROUTER_SETTINGS)) router.set(key, value);
    return;
  }
  const router = doc.get('router_settings', true);
  if (!isMap(router)) return;
  for (const [key, value] of Object.entries(REDIS_ROUTER_SETTINGS)) if (router.get(key) === value) router.delete(key);
  if (router.items.length === 0) doc.delete('router_settings');
}

/** LiteLLM's per-worker connection pool as config.yaml sets it (general_settings.database_connection_pool_limit), if it does. */
export function litellmPoolLimit(text: string | null): number | undefined {
  if (text === null || text.trim() === '') return undefined;
  return poolLimitIn(parseDocument(text));
}

function poolLimitIn(doc: Document): number | undefined {
  const value = Number(doc.getIn(['general_settings', 'database_connection_pool_limit']));
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

function ensureMap(doc: Document, key: string, fileLabel: string): YAMLMap {
  const node = doc.get(key, true);
  if (isMap(node)) return node;
  if (node !== undefined && node !== null && !isNullScalar(node)) throw invalidConfig(fileLabel, `${key} is not a mapping`);
  const map = new YAMLMap();
  doc.set(key, map);
  return map;
}

function isNullScalar(node: unknown): boolean {
  return typeof node === 'object' && node !== null && 'value' in node && (node as { value: unknown }).value === null;
}

function isManaged(item: unknown): boolean {
  if (!isMap(item)) return false;
  const info = item.get('model_info', true);
  return isMap(info) && info.get('managed_by') === MANAGED_BY;
}

/**
 * The `os.environ/NAME` variables read by config.yaml entries the user wrote (not managed by setup),
 * each with the names of those entries: removing a provider keeps a key that one of them still reads.
 */
export function userEntryEnvRefs(text: string | null): Map<string, string[]> {
  const refs = new Map<string, string[]>();
  if (text === null || text.trim() === '') return refs;
  const list = parseDocument(text).get('model_list', true);
  if (!isSeq(list)) return refs;
  for (const item of list.items) {
    if (!isMap(item) || isManaged(item)) continue;
    const name = String(item.get('model_name') ?? '(unnamed)');
    const params = item.get('litellm_params', true);
    if (!isMap(params)) continue;
    for (const pair of params.items) {
      const value = isScalar(pair.value) ? pair.value.value : undefined;
      const match = typeof value === 'string' ? /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(value.trim()) : null;
      if (match) refs.set(match[1] as string, [...(refs.get(match[1] as string) ?? []), name]);
    }
  }
  return refs;
}
