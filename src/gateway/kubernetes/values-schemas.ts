/**
 * JSON Schemas of the chart values the export sets: every key we write, with its type, checked in
 * the tests (the charts ship no schema of their own). additionalProperties: false at the top, so a
 * key we add without looking it up in the chart's values.yaml fails the test; moving a chart
 * version means re-reading its values.yaml for these keys (see charts.ts).
 */
const str = { type: 'string', minLength: 1 } as const;
const int = { type: 'integer', minimum: 0 } as const;
const bool = { type: 'boolean' } as const;
const image = { type: 'object', additionalProperties: false, required: ['repository', 'tag'], properties: { repository: str, tag: str, pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] } } } as const;
const envVar = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: str,
    value: { type: 'string' },
    valueFrom: { type: 'object', properties: { secretKeyRef: { type: 'object', required: ['name', 'key'], properties: { name: str, key: str } } } },
  },
} as const;

/** litellm-helm (BerriAI/litellm deploy/charts/litellm-helm/values.yaml). */
export const litellmValuesSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['replicaCount', 'image', 'masterkeySecretName', 'masterkeySecretKey', 'db', 'proxy_config'],
  properties: {
    replicaCount: { type: 'integer', minimum: 1 },
    numWorkers: { type: 'integer', minimum: 1 },
    image,
    masterkeySecretName: str,
    masterkeySecretKey: str,
    environmentSecrets: { type: 'array', items: str },
    envVars: { type: 'object', additionalProperties: { type: 'string' } },
    db: {
      type: 'object',
      additionalProperties: false,
      required: ['useExisting', 'deployStandalone', 'endpoint', 'database', 'url', 'secret'],
      properties: {
        useExisting: { const: true },
        deployStandalone: { const: false },
        endpoint: str,
        database: str,
        url: { type: 'string', pattern: '^postgresql://\\$\\(DATABASE_USERNAME\\):\\$\\(DATABASE_PASSWORD\\)@\\$\\(DATABASE_HOST\\)' },
        secret: { type: 'object', additionalProperties: false, required: ['name', 'usernameKey', 'passwordKey'], properties: { name: str, usernameKey: str, passwordKey: str } },
      },
    },
    redis: { type: 'object', additionalProperties: false, properties: { enabled: bool } },
    proxy_config: {
      type: 'object',
      required: ['general_settings'],
      properties: {
        model_list: { type: 'array' },
        general_settings: { type: 'object', required: ['master_key'], properties: { master_key: { const: 'os.environ/PROXY_MASTER_KEY' } } },
        router_settings: {
          type: 'object',
          required: ['redis_host', 'redis_port', 'redis_password'],
          properties: { redis_host: { const: 'os.environ/REDIS_HOST' }, redis_port: { const: 'os.environ/REDIS_PORT' }, redis_password: { const: 'os.environ/REDIS_PASSWORD' } },
        },
      },
    },
    service: { type: 'object', additionalProperties: false, properties: { type: str, port: int } },
    strategy: { type: 'object' },
    terminationGracePeriodSeconds: int,
    pdb: { type: 'object', additionalProperties: false, properties: { enabled: bool, minAvailable: { type: ['integer', 'string'] }, maxUnavailable: { type: ['integer', 'string', 'null'] } } },
    migrationJob: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: bool,
        hooks: { type: 'object', additionalProperties: false, properties: { helm: { type: 'object', properties: { enabled: bool } }, argocd: { type: 'object', properties: { enabled: bool } } } },
      },
    },
  },
} as const;

/** open-webui (open-webui/helm-charts charts/open-webui/values.yaml). */
export const openWebuiValuesSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['replicaCount', 'ollama', 'pipelines', 'openaiBaseApiUrl', 'openaiApiKeyExistingSecret', 'websocket', 'persistence', 'extraEnvVars'],
  properties: {
    replicaCount: { type: 'integer', minimum: 1 },
    ollama: { type: 'object', additionalProperties: false, properties: { enabled: { const: false } } },
    pipelines: { type: 'object', additionalProperties: false, properties: { enabled: { const: false } } },
    tika: { type: 'object', additionalProperties: false, properties: { enabled: bool } },
    image,
    enableOpenaiApi: { const: true },
    openaiBaseApiUrl: { type: 'string', pattern: '^http://' },
    openaiApiKeyExistingSecret: str,
    openaiApiKeyExistingSecretKey: str,
    websocket: {
      type: 'object',
      additionalProperties: false,
      properties: { enabled: bool, manager: { enum: ['redis', ''] }, existingSecret: str, existingSecretKey: str, redis: { type: 'object', additionalProperties: false, properties: { enabled: bool } } },
    },
    persistence: {
      type: 'object',
      additionalProperties: false,
      properties: { enabled: bool, size: str, accessModes: { type: 'array', items: { enum: ['ReadWriteOnce', 'ReadWriteMany', 'ReadOnlyMany', 'ReadWriteOncePod'] } } },
    },
    extraEnvVars: { type: 'array', items: envVar },
  },
} as const;
