/**
 * `ai-gateway export kubernetes`: the gateway as the official charts and a few manifests.
 *
 *   values/litellm.yaml      LiteLLM's chart (litellm-helm): existing database, master key from a
 *                            Secret, environmentSecrets, proxy_config from our config.yaml, replicas,
 *                            PodDisruptionBudget, the migration Job as a Helm hook
 *   values/open-webui.yaml   Open WebUI's chart: Ollama and Pipelines off, its key, database URL and
 *                            Redis URL from Secrets, websockets over Redis
 *   manifests/               what the charts do not make: namespace, PostgreSQL, Redis, the Ingress
 *                            with the gateway's route policy, and the Secrets (only with --include-secrets)
 *   create-secrets.sh        makes the Secrets from .env (no value on any command line)
 *   README.md                the helm and kubectl commands, in order
 *
 * Pure: the handler gathers the inputs (src/commands/export/) and writes the files.
 */
import { stringify } from 'yaml';
import { PUBLIC_API_PATHS, PUBLIC_API_PREFIX } from '../public-api.js';
import { LITELLM_CHART, OPEN_WEBUI_CHART, REDIS_IMAGE } from './charts.js';

export interface KubernetesExportInput {
  project: string;
  namespace: string;
  images: { litellm: string; postgres: string; openWebui: string };
  /** config.yaml as data (our own file; read by the handler). */
  config: Record<string, unknown>;
  postgres: { user: string; database: string };
  replicas: number;
  webuiReplicas: number;
  /** Ingress host; none: every host. */
  host: string | null;
  ingressClass: string;
  /** Secret values by .env key, only with --include-secrets; null writes no value anywhere. */
  secretValues: Record<string, string> | null;
}

/** Names of the objects the export makes, derived from the project so two gateways can share a namespace. */
export function objectNames(project: string) {
  return {
    litellmEnv: `${project}-litellm-env`,
    litellmMaster: `${project}-litellm-master`,
    postgres: `${project}-postgres`,
    openWebui: `${project}-open-webui`,
    redis: `${project}-redis`,
  };
}

const OPEN_WEBUI_DATABASE = 'openwebui';

/** Variables config.yaml reads (`os.environ/NAME`), sorted: they must reach LiteLLM's pods. */
export function configEnvReferences(config: unknown): string[] {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (typeof node === 'string') {
      const match = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(node);
      if (match?.[1]) names.add(match[1]);
    } else if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(config);
  return [...names].sort();
}

/** Variables the chart itself sets on LiteLLM's pods (not in our env Secret). */
const CHART_PROVIDED = new Set(['DATABASE_URL', 'PROXY_MASTER_KEY', 'REDIS_HOST', 'REDIS_PORT', 'LITELLM_MASTER_KEY']);

/** Keys of the `<project>-litellm-env` Secret: the salt key, the admin UI login, Redis, and what config.yaml reads. */
export function litellmEnvKeys(config: unknown): string[] {
  return [...new Set(['LITELLM_SALT_KEY', 'UI_USERNAME', 'UI_PASSWORD', 'REDIS_PASSWORD', ...configEnvReferences(config).filter((n) => !CHART_PROVIDED.has(n))])].sort();
}

function splitImage(reference: string): { repository: string; tag: string } {
  const at = reference.lastIndexOf(':');
  if (at > reference.lastIndexOf('/')) return { repository: reference.slice(0, at), tag: reference.slice(at + 1) };
  return { repository: reference, tag: 'latest' };
}

/** config.yaml, adjusted to the chart: master key from PROXY_MASTER_KEY (what the chart sets), Redis for the router. */
export function proxyConfig(config: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(config) as Record<string, Record<string, unknown> | unknown>;
  const general = { ...((copy.general_settings as Record<string, unknown> | undefined) ?? {}) };
  general.master_key = 'os.environ/PROXY_MASTER_KEY';
  general.database_url = 'os.environ/DATABASE_URL';
  const router = { ...((copy.router_settings as Record<string, unknown> | undefined) ?? {}) };
  router.redis_host = 'os.environ/REDIS_HOST';
  router.redis_port = 'os.environ/REDIS_PORT';
  router.redis_password = 'os.environ/REDIS_PASSWORD';
  return { ...copy, general_settings: general, router_settings: router };
}

export function litellmValues(input: KubernetesExportInput): Record<string, unknown> {
  const names = objectNames(input.project);
  return {
    replicaCount: input.replicas,
    // One worker per pod: replicas scale it (LiteLLM's server-tuning advice), and nproc in a pod sees the node's CPUs.
    numWorkers: 1,
    image: { ...splitImage(input.images.litellm), pullPolicy: 'IfNotPresent' },
    masterkeySecretName: names.litellmMaster,
    masterkeySecretKey: 'master-key',
    environmentSecrets: [names.litellmEnv],
    envVars: { STORE_MODEL_IN_DB: 'True', REDIS_HOST: names.redis, REDIS_PORT: '6379' },
    db: {
      useExisting: true,
      deployStandalone: false,
      endpoint: names.postgres,
      database: input.postgres.database,
      url: 'postgresql://$(DATABASE_USERNAME):$(DATABASE_PASSWORD)@$(DATABASE_HOST):5432/$(DATABASE_NAME)',
      secret: { name: names.postgres, usernameKey: 'username', passwordKey: 'password' },
    },
    redis: { enabled: false },
    proxy_config: proxyConfig(input.config),
    service: { type: 'ClusterIP', port: 4000 },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    terminationGracePeriodSeconds: 90,
    pdb: { enabled: true, minAvailable: 1 },
    // The Job migrates once before the pods roll; the pods skip their own schema update.
    migrationJob: { enabled: true, hooks: { helm: { enabled: true }, argocd: { enabled: false } } },
  };
}

export function openWebuiValues(input: KubernetesExportInput): Record<string, unknown> {
  const names = objectNames(input.project);
  const several = input.webuiReplicas > 1;
  const secretEnv = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });
  return {
    replicaCount: input.webuiReplicas,
    ollama: { enabled: false },
    pipelines: { enabled: false },
    tika: { enabled: false },
    image: { ...splitImage(input.images.openWebui), pullPolicy: 'IfNotPresent' },
    enableOpenaiApi: true,
    // Open WebUI reaches models only through LiteLLM, with its own virtual key.
    openaiBaseApiUrl: `http://${LITELLM_CHART.release}:4000/v1`,
    openaiApiKeyExistingSecret: names.openWebui,
    openaiApiKeyExistingSecretKey: 'OPENAI_API_KEY',
    websocket: { enabled: true, manager: 'redis', existingSecret: names.redis, existingSecretKey: 'url', redis: { enabled: false } },
    persistence: { enabled: true, size: '5Gi', accessModes: [several ? 'ReadWriteMany' : 'ReadWriteOnce'] },
    extraEnvVars: [
      secretEnv('WEBUI_SECRET_KEY', names.openWebui, 'WEBUI_SECRET_KEY'),
      secretEnv('REDIS_URL', names.redis, 'url'),
      { name: 'ENABLE_OLLAMA_API', value: 'false' },
      { name: 'CORS_ALLOW_ORIGIN', value: input.host ? `https://${input.host};http://${input.host}` : '*' },
      // SQLite is single-writer: several replicas share Open WebUI's own PostgreSQL database.
      ...(several ? [secretEnv('DATABASE_URL', names.openWebui, 'DATABASE_URL')] : []),
    ],
  };
}

const doc = (value: unknown) => stringify(value, { lineWidth: 0 });
const meta = (name: string, namespace: string, project: string) => ({ name, namespace, labels: { 'app.kubernetes.io/part-of': 'ai-gateway', 'ai-gateway/project': project } });

export function namespaceManifest(input: KubernetesExportInput): unknown[] {
  return [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: input.namespace, labels: { 'app.kubernetes.io/part-of': 'ai-gateway' } } }];
}

export function postgresManifests(input: KubernetesExportInput): unknown[] {
  const names = objectNames(input.project);
  const secretEnv = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: names.postgres, key } } });
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(`${names.postgres}-init`, input.namespace, input.project),
      // Open WebUI's own database (used when it runs more than one replica), made on first boot.
      data: { '10-open-webui.sh': `#!/bin/sh\nset -e\npsql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c 'CREATE DATABASE ${OPEN_WEBUI_DATABASE}'\n` },
    },
    ...singleReplica(input, names.postgres, 'postgres', 5432, '10Gi', {
      image: input.images.postgres,
      env: [secretEnv('POSTGRES_USER', 'username'), secretEnv('POSTGRES_PASSWORD', 'password'), secretEnv('POSTGRES_DB', 'database'), { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' }],
      readinessProbe: { exec: { command: ['sh', '-c', 'pg_isready -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"'] }, periodSeconds: 5 },
      livenessProbe: { exec: { command: ['sh', '-c', 'pg_isready -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"'] }, periodSeconds: 15, initialDelaySeconds: 60 },
      dataPath: '/var/lib/postgresql/data',
      mount: { name: 'init', mountPath: '/docker-entrypoint-initdb.d', volume: { configMap: { name: `${names.postgres}-init` } } },
    }),
  ];
}

export function redisManifests(input: KubernetesExportInput): unknown[] {
  const names = objectNames(input.project);
  return singleReplica(input, names.redis, 'redis', 6379, '1Gi', {
    image: REDIS_IMAGE,
    // The password is in the mounted redis.conf (from the Secret), never on the command line.
    command: ['redis-server', '/etc/redis/redis.conf'],
    readinessProbe: { tcpSocket: { port: 6379 }, periodSeconds: 5 },
    dataPath: '/data',
    mount: { name: 'config', mountPath: '/etc/redis', volume: { secret: { secretName: names.redis, items: [{ key: 'redis.conf', path: 'redis.conf' }] } } },
  });
}

/**
 * A one-replica StatefulSet with its Service, for what the charts do not make (PostgreSQL, Redis):
 * its data on a ReadWriteOnce claim, and one read-only volume of configuration.
 */
function singleReplica(
  input: KubernetesExportInput,
  name: string,
  app: string,
  port: number,
  storage: string,
  container: { image: string; dataPath: string; mount: { name: string; mountPath: string; volume: Record<string, unknown> } } & Record<string, unknown>,
): unknown[] {
  const m = meta(name, input.namespace, input.project);
  const selector = { 'app.kubernetes.io/name': app, 'ai-gateway/project': input.project };
  const { image, dataPath, mount, ...rest } = container;
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: m, spec: { selector, ports: [{ name: app, port, targetPort: port }] } },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: m,
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...selector, 'app.kubernetes.io/part-of': 'ai-gateway' } },
          spec: {
            containers: [
              {
                name: app,
                image,
                ...rest,
                ports: [{ containerPort: port, name: app }],
                volumeMounts: [
                  { name: 'data', mountPath: dataPath },
                  { name: mount.name, mountPath: mount.mountPath, readOnly: true },
                ],
              },
            ],
            volumes: [{ name: mount.name, ...mount.volume }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } }],
      },
    },
  ];
}

/**
 * The route policy of the gateway's Nginx, for an NGINX Ingress controller: the public API under
 * /api/litellm/v1 for the standard paths only (rewritten to LiteLLM's /v1), its health routes,
 * Open WebUI at /. No management path of LiteLLM is routed at all.
 */
export function ingressManifests(input: KubernetesExportInput): unknown[] {
  const m = (name: string, annotations: Record<string, string>) => ({ ...meta(name, input.namespace, input.project), annotations });
  const streaming = {
    'nginx.ingress.kubernetes.io/use-regex': 'true',
    'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
    'nginx.ingress.kubernetes.io/proxy-request-buffering': 'off',
    'nginx.ingress.kubernetes.io/proxy-read-timeout': '600',
    'nginx.ingress.kubernetes.io/proxy-send-timeout': '600',
    'nginx.ingress.kubernetes.io/proxy-body-size': '100m',
  };
  const rule = (paths: { path: string; pathType: string; service: string; port: number }[]) => ({
    ...(input.host ? { host: input.host } : {}),
    http: { paths: paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: { service: { name: p.service, port: { number: p.port } } } })) },
  });
  const litellm = LITELLM_CHART.release;
  const ingress = (name: string, annotations: Record<string, string>, paths: { path: string; pathType: string; service: string; port: number }[]) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: m(name, annotations),
    spec: { ingressClassName: input.ingressClass, rules: [rule(paths)] },
  });
  return [
    ingress(`${input.project}-api`, { ...streaming, 'nginx.ingress.kubernetes.io/rewrite-target': '/v1/$1' }, [
      { path: `${PUBLIC_API_PREFIX}/(${PUBLIC_API_PATHS})$`, pathType: 'ImplementationSpecific', service: litellm, port: 4000 },
    ]),
    ingress(`${input.project}-api-azure`, { ...streaming, 'nginx.ingress.kubernetes.io/rewrite-target': '/$1' }, [
      { path: `${PUBLIC_API_PREFIX}/(openai/deployments/[^/]+/(chat/completions|completions|embeddings))$`, pathType: 'ImplementationSpecific', service: litellm, port: 4000 },
    ]),
    ingress(`${input.project}-api-health`, { 'nginx.ingress.kubernetes.io/use-regex': 'true', 'nginx.ingress.kubernetes.io/rewrite-target': '/health/$1' }, [
      { path: '/api/litellm/health/(liveliness|readiness)$', pathType: 'ImplementationSpecific', service: litellm, port: 4000 },
    ]),
    ingress(`${input.project}-open-webui`, { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '86400', 'nginx.ingress.kubernetes.io/proxy-send-timeout': '86400', 'nginx.ingress.kubernetes.io/proxy-buffering': 'off' }, [
      { path: '/', pathType: 'Prefix', service: OPEN_WEBUI_CHART.release, port: 80 },
    ]),
  ];
}

/** The Secrets with their values: only with --include-secrets. */
export function secretManifests(input: KubernetesExportInput, values: Record<string, string>): unknown[] {
  const names = objectNames(input.project);
  const need = (key: string) => {
    const value = values[key];
    if (value === undefined || value === '') throw new Error(`${key} is not set in .env`);
    return value;
  };
  const secret = (name: string, stringData: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: meta(name, input.namespace, input.project), stringData });
  const pg = { user: input.postgres.user, password: need('POSTGRES_PASSWORD') };
  const redisUrl = `redis://:${need('REDIS_PASSWORD')}@${names.redis}:6379/0`;
  const envSecret: Record<string, string> = {};
  for (const key of litellmEnvKeys(input.config)) if (values[key] !== undefined && values[key] !== '') envSecret[key] = values[key] as string;
  return [
    secret(names.litellmMaster, { 'master-key': need('LITELLM_MASTER_KEY') }),
    secret(names.litellmEnv, envSecret),
    secret(names.postgres, { username: pg.user, password: pg.password, database: input.postgres.database }),
    secret(names.openWebui, {
      WEBUI_SECRET_KEY: need('WEBUI_SECRET_KEY'),
      OPENAI_API_KEY: need('VIRTUAL_KEY'),
      DATABASE_URL: `postgresql://${pg.user}:${pg.password}@${names.postgres}:5432/${OPEN_WEBUI_DATABASE}`,
    }),
    secret(names.redis, { password: need('REDIS_PASSWORD'), url: redisUrl, 'redis.conf': redisConf(need('REDIS_PASSWORD')) }),
  ];
}

function redisConf(password: string): string {
  return `# ai-gateway: Redis for LiteLLM's router state and Open WebUI's websockets\nrequirepass ${password}\nappendonly yes\nappendfsync everysec\nprotected-mode no\n`;
}

/** A bash script that makes the Secrets from .env: values go through files in a private directory, never argv. */
export function createSecretsScript(input: KubernetesExportInput): string {
  const names = objectNames(input.project);
  const envKeys = litellmEnvKeys(input.config);
  const lines = [
    '#!/usr/bin/env bash',
    `# Makes the Secrets of ai-gateway ${input.project} in namespace ${input.namespace} from a .env file:`,
    '#   ./create-secrets.sh /path/to/gateway/.env',
    '# Every value is read from .env and handed to kubectl through files in a private temporary',
    '# directory (no value on a command line, where `ps` would show it). Re-running it updates them.',
    'set -euo pipefail',
    'ENV_FILE="${1:?usage: create-secrets.sh PATH/TO/.env}"',
    `NS=${JSON.stringify(input.namespace)}`,
    'umask 077',
    'DIR="$(mktemp -d)"',
    'trap \'rm -rf "$DIR"\' EXIT',
    '# The value of KEY in .env, unquoted (the forms ai-gateway writes: bare, \'single\' or "double").',
    'value() {',
    '  local line',
    '  line="$(grep -E "^[[:space:]]*(export[[:space:]]+)?$1=" "$ENV_FILE" | tail -n 1)" || true',
    '  line="${line#*=}"',
    '  case "$line" in',
    '    \\\'*\\\') line="${line:1:${#line}-2}" ;;',
    '    \\"*\\") line="${line:1:${#line}-2}"; line="${line//\\\\\\"/\\"}"; line="${line//\\\\\\\\/\\\\}" ;;',
    '  esac',
    '  printf %s "$line"',
    '}',
    'put() { printf %s "$2" > "$DIR/$1"; }',
    'apply() { local name="$1"; shift; kubectl create secret generic "$name" --namespace "$NS" "$@" --dry-run=client -o yaml | kubectl apply -f -; }',
    'for key in LITELLM_MASTER_KEY POSTGRES_PASSWORD WEBUI_SECRET_KEY VIRTUAL_KEY REDIS_PASSWORD; do',
    '  [ -n "$(value "$key")" ] || { echo "create-secrets.sh: $key is not set in $ENV_FILE (run ai-gateway setup, then ai-gateway start for VIRTUAL_KEY)" >&2; exit 2; }',
    'done',
    `kubectl get namespace "$NS" >/dev/null 2>&1 || kubectl create namespace "$NS"`,
    `put master-key "$(value LITELLM_MASTER_KEY)"`,
    `apply ${names.litellmMaster} --from-file=master-key="$DIR/master-key"`,
    'env_args=()',
    `for key in ${envKeys.join(' ')}; do`,
    '  v="$(value "$key")"',
    '  if [ -n "$v" ]; then put "env-$key" "$v"; env_args+=("--from-file=$key=$DIR/env-$key"); fi',
    'done',
    `apply ${names.litellmEnv} "\${env_args[@]}"`,
    `put pg-user ${JSON.stringify(input.postgres.user)}; put pg-password "$(value POSTGRES_PASSWORD)"; put pg-db ${JSON.stringify(input.postgres.database)}`,
    `apply ${names.postgres} --from-file=username="$DIR/pg-user" --from-file=password="$DIR/pg-password" --from-file=database="$DIR/pg-db"`,
    'put webui-secret "$(value WEBUI_SECRET_KEY)"; put webui-key "$(value VIRTUAL_KEY)"',
    `put webui-db "postgresql://${input.postgres.user}:$(value POSTGRES_PASSWORD)@${names.postgres}:5432/${OPEN_WEBUI_DATABASE}"`,
    `apply ${names.openWebui} --from-file=WEBUI_SECRET_KEY="$DIR/webui-secret" --from-file=OPENAI_API_KEY="$DIR/webui-key" --from-file=DATABASE_URL="$DIR/webui-db"`,
    'put redis-password "$(value REDIS_PASSWORD)"',
    `put redis-url "redis://:$(value REDIS_PASSWORD)@${names.redis}:6379/0"`,
    `printf '# ai-gateway: Redis for LiteLLM and Open WebUI\\nrequirepass %s\\nappendonly yes\\nappendfsync everysec\\nprotected-mode no\\n' "$(value REDIS_PASSWORD)" > "$DIR/redis.conf"`,
    `apply ${names.redis} --from-file=password="$DIR/redis-password" --from-file=url="$DIR/redis-url" --from-file=redis.conf="$DIR/redis.conf"`,
    `echo "Secrets of ${input.project} are in namespace $NS."`,
    '',
  ];
  return lines.join('\n');
}

export function renderReadme(input: KubernetesExportInput): string {
  const names = objectNames(input.project);
  const ns = input.namespace;
  const secretsStep = input.secretValues
    ? `kubectl apply -f manifests/10-secrets.yaml          # the Secrets, with their values (this directory is private: mode 700)`
    : `./create-secrets.sh /path/to/gateway/.env           # the Secrets, made from .env (no value is in this directory)`;
  return `# ai-gateway ${input.project} on Kubernetes

Generated by \`ai-gateway export kubernetes\`. The official charts run LiteLLM and Open WebUI; the
manifests here add what they do not make. Pinned: LiteLLM's chart ${LITELLM_CHART.version}
(${LITELLM_CHART.reference}), Open WebUI's chart ${OPEN_WEBUI_CHART.version} (${OPEN_WEBUI_CHART.repoUrl}),
images ${input.images.litellm}, ${input.images.openWebui}, ${input.images.postgres}, ${REDIS_IMAGE}.

\`\`\`sh
kubectl apply -f manifests/00-namespace.yaml
${secretsStep}
kubectl apply -f manifests/20-postgres.yaml -f manifests/30-redis.yaml
kubectl -n ${ns} rollout status statefulset/${names.postgres} statefulset/${names.redis}

helm upgrade --install ${LITELLM_CHART.release} ${LITELLM_CHART.reference} --version ${LITELLM_CHART.version} \\
  --namespace ${ns} --values values/litellm.yaml --wait --timeout 10m
helm repo add ${OPEN_WEBUI_CHART.repoName} ${OPEN_WEBUI_CHART.repoUrl} && helm repo update ${OPEN_WEBUI_CHART.repoName}
helm upgrade --install ${OPEN_WEBUI_CHART.release} ${OPEN_WEBUI_CHART.chart} --version ${OPEN_WEBUI_CHART.version} \\
  --namespace ${ns} --values values/open-webui.yaml --wait --timeout 10m

kubectl apply -f manifests/40-ingress.yaml             # needs an NGINX Ingress controller (class ${input.ingressClass})
\`\`\`

Then the API is \`http${input.host ? 's' : ''}://${input.host ?? '<ingress address>'}${PUBLIC_API_PREFIX}\` (standard OpenAI / Anthropic paths only;
no LiteLLM management path is routed) and Open WebUI is at \`/\`. The LiteLLM admin UI and API stay
inside the cluster: \`kubectl -n ${ns} port-forward svc/${LITELLM_CHART.release} 4000:4000\`, then http://127.0.0.1:4000/ui.

## What runs
| part | replicas | state |
|---|---|---|
| LiteLLM (chart) | ${input.replicas}, one worker each, PodDisruptionBudget minAvailable 1 | PostgreSQL \`${input.postgres.database}\`; router state and limits in Redis; the chart's migration Job migrates once (Helm hook) |
| Open WebUI (chart) | ${input.webuiReplicas} | ${input.webuiReplicas > 1 ? `PostgreSQL \`${OPEN_WEBUI_DATABASE}\` (SQLite is single-writer), a ReadWriteMany volume` : 'SQLite on its volume'}; websockets over Redis |
| PostgreSQL (${names.postgres}) | 1 (StatefulSet, 10Gi) | |
| Redis (${names.redis}) | 1 (StatefulSet, 1Gi, append-only file) | password from the Secret's redis.conf |

Every replica shares LITELLM_MASTER_KEY, LITELLM_SALT_KEY and WEBUI_SECRET_KEY from the Secrets:
never change the salt key (it decrypts the provider credentials LiteLLM stores).

## Secrets (${names.litellmMaster}, ${names.litellmEnv}, ${names.postgres}, ${names.openWebui}, ${names.redis})
${
  input.secretValues
    ? 'manifests/10-secrets.yaml holds their values (written because of --include-secrets): keep it out of git.'
    : 'No value is written here. create-secrets.sh reads them from the gateway\'s .env and applies them with\n`kubectl create secret generic NAME --from-file=...` (through a private temporary directory).'
}
`;
}

/** Every file of the export, by path inside the output directory. */
export function renderKubernetesExport(input: KubernetesExportInput): Record<string, string> {
  const header = `# Generated by "ai-gateway export kubernetes" for ${input.project}; re-run it to refresh.\n`;
  const multi = (docs: unknown[]) => header + docs.map((d) => doc(d)).join('---\n');
  const files: Record<string, string> = {
    'README.md': renderReadme(input),
    'values/litellm.yaml': header + doc(litellmValues(input)),
    'values/open-webui.yaml': header + doc(openWebuiValues(input)),
    'manifests/00-namespace.yaml': multi(namespaceManifest(input)),
    'manifests/20-postgres.yaml': multi(postgresManifests(input)),
    'manifests/30-redis.yaml': multi(redisManifests(input)),
    'manifests/40-ingress.yaml': multi(ingressManifests(input)),
    'create-secrets.sh': createSecretsScript(input),
  };
  if (input.secretValues) files['manifests/10-secrets.yaml'] = multi(secretManifests(input, input.secretValues));
  return files;
}
