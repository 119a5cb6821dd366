import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { StatefulSet } from 'kubernetes-models/apps/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { packageFile } from '../../core/package-root.js';
import { tempDir } from '../../testing/context.js';
import { hasCommand } from '../../testing/nginx-check.js';
import { PUBLIC_API_PATHS } from '../public-api.js';
import { configEnvReferences, renderKubernetesExport, type KubernetesExportInput } from './render.js';
import { litellmValuesSchema, openWebuiValuesSchema } from './values-schemas.js';

const SECRETS = {
  LITELLM_MASTER_KEY: 'sk-master-0123456789abcdefghij',
  LITELLM_SALT_KEY: 'sk-salt-0123456789abcdefghijkl',
  POSTGRES_PASSWORD: 'pgpass0123456789xyz',
  UI_PASSWORD: 'uipass0123456789',
  UI_USERNAME: 'admin',
  WEBUI_SECRET_KEY: 'webui-secret-0123456789abcdef',
  VIRTUAL_KEY: 'sk-virtual-0123456789abcdefgh',
  REDIS_PASSWORD: 'redis-pass-0123456789abcdefgh',
  OPENAI_API_KEY: 'sk-openai-provider-key-0123456789',
  AZURE_API_KEY: 'azure-key-0123456789',
};

const config = {
  model_list: [
    { model_name: 'openai/*', litellm_params: { model: 'openai/*', api_key: 'os.environ/OPENAI_API_KEY' }, model_info: { managed_by: 'ai-gateway' } },
    { model_name: 'azure-gpt', litellm_params: { model: 'azure/gpt', api_key: 'os.environ/AZURE_API_KEY', api_base: 'os.environ/AZURE_API_BASE', api_version: '2024-10-21' } },
  ],
  general_settings: { master_key: 'os.environ/LITELLM_MASTER_KEY', database_url: 'os.environ/DATABASE_URL' },
  litellm_settings: { max_budget: 15, budget_duration: '30d' },
};

function input(overrides: Partial<KubernetesExportInput> = {}): KubernetesExportInput {
  return {
    project: 'gw',
    namespace: 'gw',
    images: { litellm: 'docker.litellm.ai/berriai/litellm:v1.110.4', postgres: 'postgres:16.16', openWebui: 'ghcr.io/open-webui/open-webui:v0.12.4' },
    config,
    postgres: { user: 'litellm', database: 'litellm' },
    replicas: 2,
    webuiReplicas: 1,
    host: 'llm.example.com',
    ingressClass: 'nginx',
    secretValues: null,
    ...overrides,
  };
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace as never,
  'v1/Secret': Secret as never,
  'v1/Service': Service as never,
  'v1/ConfigMap': ConfigMap as never,
  'apps/v1/StatefulSet': StatefulSet as never,
  'networking.k8s.io/v1/Ingress': Ingress as never,
};

/** Every document of every manifest file, checked against the Kubernetes schemas (kubernetes-models). */
function validateManifests(files: Record<string, string>): string[] {
  const kinds: string[] = [];
  for (const [path, text] of Object.entries(files).filter(([p]) => p.startsWith('manifests/'))) {
    for (const document of parseAllDocuments(text)) {
      expect(document.errors, path).toEqual([]);
      const object = document.toJS() as { apiVersion: string; kind: string };
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect(Model, `${path}: no schema for ${object.apiVersion} ${object.kind}`).toBeDefined();
      new Model!(object as never).validate();
      kinds.push(object.kind);
    }
  }
  return kinds;
}

describe('kubernetes export: manifests and values', () => {
  it('every manifest validates against the Kubernetes schemas, every values file against ours', () => {
    for (const variant of [input(), input({ webuiReplicas: 3, host: null, secretValues: SECRETS })]) {
      const files = renderKubernetesExport(variant);
      const kinds = validateManifests(files);
      expect(kinds).toEqual(expect.arrayContaining(['Namespace', 'StatefulSet', 'Service', 'Ingress', 'ConfigMap']));
      const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
      for (const [file, schema] of [['values/litellm.yaml', litellmValuesSchema], ['values/open-webui.yaml', openWebuiValuesSchema]] as const) {
        const validate = ajv.compile(schema);
        const ok = validate(parse(files[file] as string));
        expect(ok, `${file}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
    }
  });

  it('a values schema catches a key the chart does not have', () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    const validate = ajv.compile(litellmValuesSchema);
    const values = parse(renderKubernetesExport(input())['values/litellm.yaml'] as string) as Record<string, unknown>;
    expect(validate({ ...values, masterKeySecretName: 'typo' })).toBe(false);
  });

  it('without --include-secrets no secret value is in any file; with it, the Secrets carry them', () => {
    const without = renderKubernetesExport(input());
    expect(Object.keys(without)).not.toContain('manifests/10-secrets.yaml');
    const all = Object.values(without).join('\n');
    for (const [key, value] of Object.entries(SECRETS)) if (key !== 'UI_USERNAME') expect(all, key).not.toContain(value);
    const withSecrets = renderKubernetesExport(input({ secretValues: SECRETS }));
    const secrets = parseAllDocuments(withSecrets['manifests/10-secrets.yaml'] as string).map((d) => d.toJS() as { metadata: { name: string }; stringData: Record<string, string> });
    const byName = Object.fromEntries(secrets.map((s) => [s.metadata.name, s.stringData]));
    expect(byName['gw-litellm-master']).toEqual({ 'master-key': SECRETS.LITELLM_MASTER_KEY });
    expect(byName['gw-litellm-env']).toMatchObject({ LITELLM_SALT_KEY: SECRETS.LITELLM_SALT_KEY, OPENAI_API_KEY: SECRETS.OPENAI_API_KEY, AZURE_API_KEY: SECRETS.AZURE_API_KEY, REDIS_PASSWORD: SECRETS.REDIS_PASSWORD });
    expect(byName['gw-open-webui']).toMatchObject({ OPENAI_API_KEY: SECRETS.VIRTUAL_KEY, DATABASE_URL: `postgresql://litellm:${SECRETS.POSTGRES_PASSWORD}@gw-postgres:5432/openwebui` });
    expect(byName['gw-redis']?.['redis.conf']).toContain(`requirepass ${SECRETS.REDIS_PASSWORD}`);
    // The values files never hold a value either way.
    expect(withSecrets['values/litellm.yaml']).not.toContain(SECRETS.LITELLM_MASTER_KEY);
  });

  it('LiteLLM: our models, the master key the chart provides, Redis for the router, every variable config.yaml reads', () => {
    const values = parse(renderKubernetesExport(input())['values/litellm.yaml'] as string);
    expect(values.proxy_config.model_list).toEqual(config.model_list);
    expect(values.proxy_config.general_settings.master_key).toBe('os.environ/PROXY_MASTER_KEY');
    expect(values.proxy_config.router_settings).toEqual({ redis_host: 'os.environ/REDIS_HOST', redis_port: 'os.environ/REDIS_PORT', redis_password: 'os.environ/REDIS_PASSWORD' });
    expect(values.replicaCount).toBe(2);
    expect(values.migrationJob.hooks.helm.enabled).toBe(true);
    expect(values.image).toEqual({ repository: 'docker.litellm.ai/berriai/litellm', tag: 'v1.110.4', pullPolicy: 'IfNotPresent' });
    expect(configEnvReferences(values.proxy_config)).toEqual(['AZURE_API_BASE', 'AZURE_API_KEY', 'DATABASE_URL', 'OPENAI_API_KEY', 'PROXY_MASTER_KEY', 'REDIS_HOST', 'REDIS_PASSWORD', 'REDIS_PORT']);
    const script = renderKubernetesExport(input())['create-secrets.sh'] as string;
    for (const name of ['AZURE_API_BASE', 'AZURE_API_KEY', 'OPENAI_API_KEY', 'LITELLM_SALT_KEY', 'REDIS_PASSWORD']) expect(script).toContain(name);
  });

  it('Open WebUI: Ollama and Pipelines off, models only through LiteLLM, its own database with several replicas', () => {
    const one = parse(renderKubernetesExport(input())['values/open-webui.yaml'] as string);
    expect(one.ollama.enabled).toBe(false);
    expect(one.pipelines.enabled).toBe(false);
    expect(one.openaiBaseApiUrl).toBe('http://litellm:4000/v1');
    expect(one.extraEnvVars).toContainEqual({ name: 'ENABLE_OLLAMA_API', value: 'false' });
    expect(one.extraEnvVars.map((e: { name: string }) => e.name)).not.toContain('DATABASE_URL');
    const three = parse(renderKubernetesExport(input({ webuiReplicas: 3 }))['values/open-webui.yaml'] as string);
    expect(three.extraEnvVars.map((e: { name: string }) => e.name)).toContain('DATABASE_URL');
    expect(three.persistence.accessModes).toEqual(['ReadWriteMany']);
  });

  it('the Ingress routes the standard API paths to LiteLLM and no management path', () => {
    const ingresses = parseAllDocuments(renderKubernetesExport(input())['manifests/40-ingress.yaml'] as string).map((d) => d.toJS());
    const toLitellm = ingresses.flatMap((i: { spec: { rules: { http: { paths: { path: string; backend: { service: { name: string } } }[] } }[] } }) =>
      i.spec.rules.flatMap((r) => r.http.paths.filter((p) => p.backend.service.name === 'litellm').map((p) => new RegExp(`^${p.path}`))),
    );
    const routed = (path: string) => toLitellm.some((re) => re.test(path));
    for (const path of ['/api/litellm/v1/chat/completions', '/api/litellm/v1/models', '/api/litellm/v1/embeddings', '/api/litellm/v1/messages', '/api/litellm/health/readiness']) expect(routed(path), path).toBe(true);
    for (const path of ['/api/litellm/key/generate', '/api/litellm/v1/key/generate', '/api/litellm/user/new', '/api/litellm/v1/spend/logs', '/api/litellm/ui', '/api/litellm/config/update', '/api/litellm/v1/model/new']) expect(routed(path), path).toBe(false);
  });

  it('the Ingress and templates/nginx.conf carry the same public API list', async () => {
    expect(await readFile(packageFile('templates', 'nginx.conf'), 'utf8')).toContain(`^/api/litellm/v1/(${PUBLIC_API_PATHS})$`);
  });
});

describe('create-secrets.sh', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasCommand('bash'))('makes every Secret from .env with no value on any command line', async () => {
    const dir = await tempDir('aigw-k8s-script-');
    dirs.push(dir);
    const bin = join(dir, 'bin');
    await mkdir(bin);
    // A kubectl that records its arguments and, for `create secret ... -o yaml`, prints what it was given.
    await writeFile(
      join(bin, 'kubectl'),
      `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "${dir}/argv.log"
if [ "$1" = get ]; then exit 1; fi
if [ "$1" = create ] && [ "$2" = secret ]; then
  name="$4"; echo "name=$name" >> "${dir}/secrets.log"
  for a in "$@"; do case "$a" in --from-file=*) kv="\${a#--from-file=}"; k="\${kv%%=*}"; f="\${kv#*=}"; printf '%s %s=%s\\n' "$name" "$k" "$(cat "$f")" >> "${dir}/secrets.log";; esac; done
  echo "kind: Secret"
fi
if [ "$1" = apply ]; then cat > /dev/null; fi
`,
    );
    await chmod(join(bin, 'kubectl'), 0o755);
    const env = Object.entries(SECRETS).map(([k, v]) => `${k}=${v}`).join('\n') + "\nAZURE_API_BASE='https://example.openai.azure.com'\n";
    await writeFile(join(dir, '.env'), env);
    const script = join(dir, 'create-secrets.sh');
    await writeFile(script, renderKubernetesExport(input())['create-secrets.sh'] as string, { mode: 0o700 });
    execFileSync('bash', [script, join(dir, '.env')], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, stdio: 'pipe' });
    const argv = await readFile(join(dir, 'argv.log'), 'utf8');
    for (const [key, value] of Object.entries(SECRETS)) if (key !== 'UI_USERNAME') expect(argv, key).not.toContain(value);
    const made = await readFile(join(dir, 'secrets.log'), 'utf8');
    expect(made).toContain(`gw-litellm-master master-key=${SECRETS.LITELLM_MASTER_KEY}`);
    expect(made).toContain(`gw-litellm-env LITELLM_SALT_KEY=${SECRETS.LITELLM_SALT_KEY}`);
    expect(made).toContain('gw-litellm-env AZURE_API_BASE=https://example.openai.azure.com');
    expect(made).toContain(`gw-open-webui OPENAI_API_KEY=${SECRETS.VIRTUAL_KEY}`);
    expect(made).toContain(`gw-redis url=redis://:${SECRETS.REDIS_PASSWORD}@gw-redis:6379/0`);
    expect(made).toContain(`gw-postgres password=${SECRETS.POSTGRES_PASSWORD}`);
  });

  it.skipIf(!hasCommand('bash'))('stops, naming the key, when .env lacks one', async () => {
    const dir = await tempDir('aigw-k8s-script-');
    dirs.push(dir);
    await writeFile(join(dir, '.env'), 'LITELLM_MASTER_KEY=sk-x\n');
    const script = join(dir, 'create-secrets.sh');
    await writeFile(script, renderKubernetesExport(input())['create-secrets.sh'] as string, { mode: 0o700 });
    let stderr = '';
    try {
      execFileSync('bash', [script, join(dir, '.env')], { stdio: 'pipe', env: { ...process.env, PATH: `${dir}:/usr/bin:/bin` } });
    } catch (error) {
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    expect(stderr).toContain('POSTGRES_PASSWORD is not set');
  });
});
