import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseDocument } from 'yaml';
import { tempDir } from '../../testing/context.js';
import { capableNginx, hasCommand, nginxTest } from '../../testing/nginx-check.js';
import { EnvFile } from '../env-file.js';
import { DEFAULT_SCALE } from '../scale.js';
import { DEFAULT_IMAGES, gatewayUrls, settingsFromEnv, settingsToEnv, type GatewaySettings } from '../settings.js';
import { selfSigned } from '../../testing/certificates.js';
import { renderCompose, renderOverride, litellmCommand } from './compose.js';
import { litellmPoolLimit, renderConfigYaml } from './config-yaml.js';
import { litellmEnvReferences } from '../container-access.js';
import { renderEnv, MANAGED_ENV_KEYS } from './env.js';
import { renderGitignore, GITIGNORE_LINES } from './gitignore.js';
import { renderNginxConf } from './nginx.js';
import { renderTemplate } from './template.js';

const exec = promisify(execFile);

const base: GatewaySettings = {
  projectName: 'aigw-test',
  resourceProfile: 'medium',
  budgetProfile: 'test',
  nginx: true,
  bind: '127.0.0.1',
  exposePostgres: false,
  ports: { nginx: 3000, litellm: 4000 },
  images: { ...DEFAULT_IMAGES },
  limits: true,
  logs: { maxSize: '20m', maxFiles: 5 },
};
const withoutNginx: GatewaySettings = { ...base, nginx: false, ports: { webui: 3000, litellm: 4000 } };
const everything: GatewaySettings = { ...base, resourceProfile: 'none', exposePostgres: true, bind: '0.0.0.0', ports: { nginx: 3000, litellm: 4000, postgres: 5432 } };

const SECRETS = {
  LITELLM_MASTER_KEY: 'sk-master-0123456789abcdefghijklmnopqrstuvwxyzABCDEF',
  LITELLM_SALT_KEY: 'sk-salt-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH',
  POSTGRES_USER: 'litellm',
  POSTGRES_PASSWORD: 'Pg0123456789abcdefghijklmnopqrst',
  POSTGRES_DB: 'litellm',
  UI_USERNAME: 'admin',
  UI_PASSWORD: 'Ui0123456789abcdefgh',
  WEBUI_SECRET_KEY: 'Wb0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ',
};

function envFor(settings: GatewaySettings, extra: Record<string, string> = {}): EnvFile {
  return renderEnv(null, { ...settingsToEnv(settings), ...SECRETS, ...extra });
}

/** Write a full gateway directory from the renderers, as setup would. */
async function writeGateway(settings: GatewaySettings): Promise<string> {
  const dir = await tempDir('aigw-render-');
  await writeFile(join(dir, '.env'), envFor(settings).toString());
  await writeFile(join(dir, 'docker-compose.yml'), renderCompose(settings));
  const config = renderConfigYaml(null, { budgetProfile: settings.budgetProfile, providers: [{ id: 'openai' }] }).text;
  await writeFile(join(dir, 'docker-compose.override.yml'), renderOverride(settings, { uid: 1000, configYaml: config }));
  await writeFile(join(dir, 'config.yaml'), config);
  await mkdir(join(dir, 'nginx'));
  await writeFile(join(dir, 'nginx', 'nginx.conf'), renderNginxConf());
  return dir;
}

describe('templates', () => {
  it('keeps or drops sections and inserts values, leaving ${VAR} and $var alone', () => {
    const text = 'a ${KEEP} $var {{name}}\n{{#on}}\nyes\n{{/on}}\n{{^on}}\nno\n{{/on}}\nend\n';
    expect(renderTemplate(text, { name: 'x', on: true })).toBe('a ${KEEP} $var x\nyes\nend\n');
    expect(renderTemplate(text, { name: 'x', on: false })).toBe('a ${KEEP} $var x\nno\nend\n');
  });

  it('fails on a missing value instead of rendering a hole', () => {
    expect(() => renderTemplate('{{missing}}', {})).toThrow(/"missing" was not provided/);
    expect(() => renderTemplate('{{#flag}}\nx\n{{/flag}}\n', { flag: 'text' })).toThrow(/true\/false/);
  });
});

describe('docker-compose.yml and docker-compose.override.yml', () => {
  it('match their snapshots', async () => {
    await expect(renderCompose(base)).toMatchFileSnapshot('./__snapshots__/docker-compose.nginx.yml');
    await expect(renderCompose(withoutNginx)).toMatchFileSnapshot('./__snapshots__/docker-compose.no-nginx.yml');
    const host = { uid: 1000, configYaml: renderConfigYaml(null, { budgetProfile: 'test', providers: [{ id: 'openai' }] }).text };
    await expect(renderOverride(base, host)).toMatchFileSnapshot('./__snapshots__/docker-compose.override.nginx.yml');
    await expect(renderOverride(withoutNginx, host)).toMatchFileSnapshot('./__snapshots__/docker-compose.override.no-nginx.yml');
    await expect(renderOverride(everything, { uid: 0, configYaml: null })).toMatchFileSnapshot('./__snapshots__/docker-compose.override.everything.yml');
  });

  it('parse as YAML with the services, healthchecks and dependencies the stack needs', () => {
    const compose = parseYaml(renderCompose(base)) as { services: Record<string, Record<string, unknown>>; version?: string };
    expect(Object.keys(compose.services)).toEqual(['postgres', 'litellm', 'open-webui', 'nginx']);
    expect(compose.version).toBeUndefined();
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.container_name, name).toBeUndefined();
      expect(service.restart, name).toBe('unless-stopped');
      expect(service.healthcheck, name).toBeDefined();
    }
    const s = compose.services;
    expect(JSON.stringify(s.postgres?.healthcheck)).toContain('pg_isready');
    expect(JSON.stringify(s.litellm?.healthcheck)).toContain("python3 -c \\\"import urllib.request; urllib.request.urlopen('http://localhost:4000/health/liveliness')");
    expect(JSON.stringify(s['open-webui']?.healthcheck)).toContain('curl --silent --fail http://localhost:8080/health');
    expect(JSON.stringify(s.nginx?.healthcheck)).toContain('wget -q -O /dev/null http://127.0.0.1/health');
    expect(s.litellm?.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(s['open-webui']?.depends_on).toEqual({ litellm: { condition: 'service_healthy' } });
    expect(s.nginx?.depends_on).toEqual({ litellm: { condition: 'service_healthy' }, 'open-webui': { condition: 'service_healthy' } });
    expect(s['open-webui']?.environment).toMatchObject({ OPENAI_API_BASE_URL: 'http://litellm:4000/v1', OPENAI_API_KEY: '${VIRTUAL_KEY:-}', WEBUI_SECRET_KEY: '${WEBUI_SECRET_KEY}' });
    // Each container gets only what it reads: LiteLLM never sees .env whole, Open WebUI's secret or VIRTUAL_KEY.
    expect(s.litellm?.env_file).toBeUndefined();
    expect(Object.keys(s.litellm?.environment as object).sort()).toEqual(['DATABASE_URL', 'LITELLM_MASTER_KEY', 'LITELLM_SALT_KEY', 'STORE_MODEL_IN_DB', 'UI_PASSWORD', 'UI_USERNAME']);
    expect(s.litellm?.environment).toMatchObject({ STORE_MODEL_IN_DB: 'True', LITELLM_MASTER_KEY: '${LITELLM_MASTER_KEY}' });
    expect(Object.keys(s['open-webui']?.environment as object).sort()).toEqual(['ENABLE_OLLAMA_API', 'OPENAI_API_BASE_URL', 'OPENAI_API_KEY', 'WEBUI_SECRET_KEY']);
    expect(s['open-webui']?.environment).toMatchObject({ ENABLE_OLLAMA_API: 'false' });
    expect(Object.keys(s.postgres?.environment as object).sort()).toEqual(['POSTGRES_DB', 'POSTGRES_PASSWORD', 'POSTGRES_USER']);
    expect(s.nginx?.environment).toBeUndefined();
    expect(s.nginx?.env_file).toBeUndefined();
    // Nothing is baked in: every image and secret is interpolated from .env.
    expect(renderCompose(base)).not.toMatch(/sk-|postgres:16|main-stable/);
    expect(Object.keys(parseYaml(renderCompose(withoutNginx)).services)).toEqual(['postgres', 'litellm', 'open-webui']);
  });

  it('puts the worker count of each profile in the override', () => {
    expect(litellmCommand('desktop')).toEqual(['--config', '/app/config.yaml', '--port', '4000', '--num_workers', '4']);
    expect(litellmCommand('small').at(-1)).toBe('1');
    expect(litellmCommand('large').at(-1)).toBe('6');
    expect(litellmCommand('none')).toEqual(['--config', '/app/config.yaml', '--port', '4000']);
    const override = parseYaml(renderOverride(everything)) as { services: Record<string, { ports: string[] }> };
    expect(override.services.postgres?.ports).toEqual(['${BIND_ADDRESS}:${POSTGRES_PORT}:5432']);
    expect(parseYaml(renderOverride({ ...base, limits: false })).services.postgres).toBeUndefined();
    expect(parseYaml(renderOverride(base)).services.postgres.ports).toBeUndefined();
  });

  it('rotates every service log with json-file max-size / max-file from .env', () => {
    for (const settings of [base, withoutNginx]) {
      const compose = parseYaml(renderCompose(settings)) as { services: Record<string, { logging?: unknown }> };
      for (const [name, service] of Object.entries(compose.services)) {
        expect(service.logging, name).toEqual({ driver: 'json-file', options: { 'max-size': '${LOG_MAX_SIZE:-20m}', 'max-file': '${LOG_MAX_FILES:-5}' } });
      }
    }
  });

  it('limits memory per service with headroom and gives LiteLLM one CPU per worker, capped by the host', () => {
    type Limited = { services: Record<string, { mem_limit?: string; cpus?: number; command?: string[] }> };
    const on = parseYaml(renderOverride(base, { uid: 1000, configYaml: null, cpus: 8 })) as Limited;
    // medium: 320 + 2 x 460 = 1240 MB needed, x 1.5 rounded up to 64 MB = 1920 MB
    expect(on.services.litellm).toMatchObject({ mem_limit: '1920m', cpus: 2 });
    expect(on.services.litellm?.command?.slice(-2)).toEqual(['--num_workers', '2']);
    expect(on.services['open-webui']).toEqual({ mem_limit: '960m' });
    expect(on.services.postgres).toEqual({ mem_limit: '512m' });
    expect(on.services.nginx?.mem_limit).toBe('256m');
    // desktop on a 2-CPU host: Docker refuses more CPUs than the host has; the workers follow the CPUs.
    const desktop = parseYaml(renderOverride({ ...base, resourceProfile: 'desktop' }, { uid: 1000, configYaml: null, cpus: 2 })) as Limited;
    expect(desktop.services.litellm).toMatchObject({ cpus: 2, mem_limit: `${Math.ceil(((320 + 2 * 460) * 1.5) / 64) * 64}m` });
    expect(desktop.services.litellm?.command?.slice(-2)).toEqual(['--num_workers', '2']);
    // profile none: LiteLLM picks its workers, so its CPUs are not limited; memory is (one worker)
    const none = parseYaml(renderOverride({ ...base, resourceProfile: 'none' }, { uid: 1000, configYaml: null, cpus: 2 })) as Limited;
    expect(none.services.litellm?.cpus).toBeUndefined();
    expect(none.services.litellm?.mem_limit).toBe('1216m');
    // --no-limits: none at all, and the profile's worker count whatever the host
    const off = parseYaml(renderOverride({ ...base, resourceProfile: 'desktop', limits: false }, { uid: 1000, configYaml: null, cpus: 2 })) as Limited;
    for (const service of Object.values(off.services)) expect(service).not.toHaveProperty('mem_limit');
    expect(off.services.litellm).not.toHaveProperty('cpus');
    expect(off.services.litellm?.command?.slice(-2)).toEqual(['--num_workers', '4']);
  });

  it('runs LiteLLM as the host user with group 0, never as root', () => {
    const user = (uid: number | null) => (parseYaml(renderOverride(base, { uid, configYaml: null })) as { services: { litellm: { user: string } } }).services.litellm.user;
    expect(user(1000)).toBe('1000:0');
    expect(user(501)).toBe('501:0');
    expect(user(0)).toBe('65532:0'); // setup as root: the image's own uid (config.yaml is handed to it)
    expect(user(null)).toBe('65532:0'); // Windows: no uids; Docker Desktop ignores file owners
  });

  it("hands LiteLLM every variable config.yaml reads, interpolated from .env, and nothing else", () => {
    const config = renderConfigYaml(null, { budgetProfile: 'test', providers: [{ id: 'openai' }, { id: 'azure', azureDeployment: 'gpt-4o-eu' }, { id: 'ollama' }] }).text;
    const withUserEntry = `${config}\nenvironment_variables:\n  LANGFUSE_PUBLIC_KEY: os.environ/LANGFUSE_PUBLIC_KEY\n# os.environ/IN_A_COMMENT\n`;
    const env = (parseYaml(renderOverride(base, { uid: 1000, configYaml: withUserEntry })) as { services: { litellm: { environment: Record<string, string> } } }).services.litellm.environment;
    expect(env).toEqual({
      AZURE_API_BASE: '${AZURE_API_BASE:-}',
      AZURE_API_KEY: '${AZURE_API_KEY:-}',
      AZURE_API_VERSION: '${AZURE_API_VERSION:-}',
      LANGFUSE_PUBLIC_KEY: '${LANGFUSE_PUBLIC_KEY:-}',
      OLLAMA_API_BASE: '${OLLAMA_API_BASE:-}',
      OPENAI_API_KEY: '${OPENAI_API_KEY:-}',
    });
    // The fixed set (master key, database) stays in docker-compose.yml; no config, no environment block.
    expect((parseYaml(renderOverride(base, { uid: 1000, configYaml: null })) as { services: { litellm: Record<string, unknown> } }).services.litellm.environment).toBeUndefined();
  });

  it("keeps LiteLLM's admin port on 127.0.0.1 behind Nginx unless EXPOSE_ADMIN, and on --bind without Nginx", () => {
    const litellmPorts = (settings: GatewaySettings) => (parseYaml(renderOverride(settings, { uid: 1000, configYaml: null })) as { services: { litellm: { ports: string[] } } }).services.litellm.ports;
    const lan: GatewaySettings = { ...base, bind: '0.0.0.0' };
    expect(litellmPorts(lan)).toEqual(['127.0.0.1:${LITELLM_PORT}:4000']);
    expect(litellmPorts({ ...lan, exposeAdmin: true })).toEqual(['${BIND_ADDRESS}:${LITELLM_PORT}:4000']);
    expect(litellmPorts({ ...withoutNginx, bind: '0.0.0.0' })).toEqual(['${BIND_ADDRESS}:${LITELLM_PORT}:4000']);
    expect((parseYaml(renderOverride(lan, { uid: 1000, configYaml: null })) as { services: { nginx: { ports: string[] } } }).services.nginx.ports).toEqual(['${BIND_ADDRESS}:${NGINX_PORT}:80']);
    // Where this machine reaches it follows: loopback behind Nginx, the bind address otherwise.
    const at = (settings: GatewaySettings) => gatewayUrls(settings).litellmDirect;
    expect(at({ ...base, bind: '192.168.1.5' })).toBe('http://127.0.0.1:4000');
    expect(at({ ...base, bind: '192.168.1.5', exposeAdmin: true })).toBe('http://192.168.1.5:4000');
    expect(at({ ...withoutNginx, bind: '192.168.1.5' })).toBe('http://192.168.1.5:4000');
    expect(gatewayUrls({ ...base, bind: '192.168.1.5' }).api).toBe('http://192.168.1.5:3000/api/litellm/v1');
  });

  const composeV1 = hasCommand('docker-compose');
  for (const [label, settings] of [
    ['with Nginx', base],
    ['without Nginx', withoutNginx],
    ['with PostgreSQL published, no worker setting, LAN bind', everything],
  ] as const) {
    it.skipIf(!composeV1)(`are accepted by docker-compose v1 config (${label})`, async () => {
      const dir = await writeGateway(settings);
      const args = ['--project-directory', dir, '-f', join(dir, 'docker-compose.yml'), '-f', join(dir, 'docker-compose.override.yml'), '--env-file', join(dir, '.env')];
      await exec('docker-compose', [...args, 'config', '-q']);
      const { stdout } = await exec('docker-compose', [...args, 'config']);
      const resolved = parseYaml(stdout) as { services: Record<string, { ports?: { published?: number }[] | string[]; command?: string[] }> };
      const published = Object.values(resolved.services).flatMap((s) => (s.ports ?? []).map((p) => String(p)));
      const litellmHost = settings.nginx ? '127.0.0.1' : settings.bind;
      expect(published.join(' ')).toContain(`${litellmHost}:${settings.ports.litellm}:4000`);
      expect(stdout).not.toMatch(/variable is not set/);
    });
  }
  if (!composeV1) it.skip('docker-compose v1 is not installed here: compose validation skipped', () => {});
});

describe('nginx.conf', () => {
  it('matches its snapshot', async () => {
    await expect(renderNginxConf()).toMatchFileSnapshot('./__snapshots__/nginx.conf');
  });

  it('allowlists the API, blocks admin paths, has its own /health and streams unbuffered', () => {
    const conf = renderNginxConf();
    expect(conf).toContain('location = /health');
    expect(conf).toMatch(/location \/api\/litellm\/ \{\s+default_type application\/json;\s+return 403 '\{"error":\{"message":"Forbidden: admin endpoints are not exposed through the gateway; use the LiteLLM port directly","type":"forbidden","code":"403"\}\}/);
    expect(conf).toContain('proxy_buffering off;');
    expect(conf).toContain('keepalive 32;');
    expect(conf).toContain('map $http_upgrade $connection_upgrade');
    expect(conf).toContain('server_tokens off;');
    expect(conf).toContain('client_max_body_size 100m;');
    expect(conf).not.toMatch(/gzip_types[^;]*event-stream/);
    const allow = /location ~ \^\/api\/litellm\/v1\/\((.*)\)\$ \{/.exec(conf)?.[1];
    expect(allow).toBeDefined();
    const allowed = new RegExp(`^/api/litellm/v1/(${allow})$`);
    for (const path of ['chat/completions', 'completions', 'embeddings', 'models', 'models/openai/gpt-4o', 'responses', 'messages', 'audio/speech', 'images/generations', 'moderations', 'files', 'batches', 'rerank']) {
      expect(allowed.test(`/api/litellm/v1/${path}`), path).toBe(true);
    }
    for (const path of ['key/generate', 'team/new', 'user/new', 'spend/logs', 'config/update', 'model/new', 'model/update', 'model/delete', 'ui', 'metrics', 'global/spend', 'organization/new', 'customer/new', 'budget/new', 'credentials', 'openapi.json']) {
      expect(allowed.test(`/api/litellm/v1/${path}`), path).toBe(false);
      expect(allowed.test(`/api/litellm/${path}`), path).toBe(false);
    }
  });

  it('re-resolves the service names through Docker\'s DNS and keeps a keep-alive pool per upstream', () => {
    const conf = renderNginxConf();
    expect(conf).toMatch(/^\s*resolver 127\.0\.0\.11 valid=5s ipv6=off;$/m);
    for (const [name, server] of [['litellm_upstream', 'litellm:4000'], ['open_webui_upstream', 'open-webui:8080']]) {
      const block = new RegExp(`upstream ${name} \\{([^}]*)\\}`).exec(conf)?.[1] ?? '';
      expect(block, name).toContain(`zone ${name} 64k;`);
      expect(block, name).toContain(`server ${server} resolve;`);
      expect(block, name).toMatch(/keepalive \d+;/);
    }
  });

  const nginx = capableNginx();
  it.skipIf('skip' in nginx)(`is accepted by nginx -t (nginx ${'version' in nginx ? nginx.version : ''}, private mount namespace)`, async () => {
    const { stderr } = await nginxTest({ nginx: renderNginxConf() });
    expect(stderr).toContain('test is successful');
  });

  it.skipIf('skip' in nginx)('with HTTPS (and HSTS), is accepted by nginx -t with a real certificate and key', async () => {
    const pair = await selfSigned();
    const { stderr } = await nginxTest(
      { tls: renderNginxConf({ ...base, tls: { mode: 'self-signed', hsts: false } }), hsts: renderNginxConf({ ...base, tls: { mode: 'files', hsts: true }, ports: { nginx: 443, litellm: 4000 } }) },
      { files: { 'tls/cert.pem': pair.certPem, 'tls/key.pem': pair.keyPem } },
    );
    expect(stderr.match(/test is successful/g)).toHaveLength(2);
  });
  if ('skip' in nginx) it.skip(`nginx -t skipped: ${nginx.skip}`, () => {});
});

describe('nginx.conf with HTTPS', () => {
  const tls = renderNginxConf({ ...base, tls: { mode: 'self-signed', hsts: false } });

  it('matches its snapshot', async () => {
    await expect(tls).toMatchFileSnapshot('./__snapshots__/nginx.tls.conf');
  });

  it('serves the same routes on 443 with TLS 1.2/1.3 only, and port 80 keeps /health and redirects the rest', () => {
    const servers = tls.split(/\n    server \{\n/).slice(1);
    expect(servers).toHaveLength(2);
    const [redirect, main] = servers as [string, string];
    expect(redirect).toContain('listen 80 default_server;');
    expect(redirect).toContain('location = /health');
    expect(redirect).toMatch(/location \/ \{\s+return 308 https:\/\/\$host:3000\$request_uri;/);
    expect(redirect).not.toContain('proxy_pass');
    expect(main).toContain('listen 443 ssl default_server;');
    expect(main).not.toMatch(/listen 80\b/);
    expect(main).toContain('error_page 497 =308 https://$host:3000$request_uri;');
    expect(tls).toMatch(/^\s*ssl_protocols TLSv1\.2 TLSv1\.3;$/m);
    expect(tls).toMatch(/^\s*ssl_certificate tls\/cert\.pem;$/m);
    expect(tls).toMatch(/^\s*ssl_certificate_key tls\/key\.pem;$/m);
    expect(/ssl_ciphers ([^;]+);/.exec(tls)?.[1]?.split(':').every((c) => c.startsWith('ECDHE-') && /GCM|CHACHA20/.test(c))).toBe(true);
    expect(tls).not.toContain('Strict-Transport-Security');
    // Everything the plain server has stays: keep-alive upstreams, re-resolving, unbuffered streams, the 403s.
    const plain = renderNginxConf();
    for (const location of plain.match(/^\s+location [^{]+\{/gm) ?? []) expect(main).toContain(location.trim());
    expect(main).toContain('proxy_buffering off;');
    expect(tls).toMatch(/resolver 127\.0\.0\.11 valid=5s ipv6=off;/);
    expect(tls).toContain('server litellm:4000 resolve;');
    expect(tls).toContain('keepalive 32;');
  });

  it('adds HSTS only when asked, and names no port for 443', () => {
    const hsts = renderNginxConf({ ...base, tls: { mode: 'files', hsts: true }, ports: { nginx: 443, litellm: 4000 } });
    expect(hsts).toContain('add_header Strict-Transport-Security "max-age=63072000" always;');
    expect(hsts).toContain('return 308 https://$host$request_uri;');
    expect(renderNginxConf(base)).not.toMatch(/ssl_|Strict-Transport|listen 443/);
    expect(renderNginxConf(base)).toBe(renderNginxConf());
  });

  it('publishes 443 on the Nginx port, the redirect port on 80, and mounts tls/ read-only', () => {
    const override = parseYaml(renderOverride({ ...base, tls: { mode: 'files', hsts: false }, ports: { nginx: 3443, litellm: 4000, httpRedirect: 8080 } })) as { services: Record<string, { ports?: string[]; volumes?: string[] }> };
    expect(override.services.nginx?.ports).toEqual(['${BIND_ADDRESS}:${NGINX_PORT}:443', '${BIND_ADDRESS}:${HTTP_REDIRECT_PORT}:80']);
    expect(override.services.nginx?.volumes).toEqual(['./tls:/etc/nginx/tls:ro']);
    const noRedirect = parseYaml(renderOverride({ ...base, tls: { mode: 'self-signed', hsts: false } })) as typeof override;
    expect(noRedirect.services.nginx?.ports).toEqual(['${BIND_ADDRESS}:${NGINX_PORT}:443']);
  });

  it('.env round-trips the TLS settings, and URLs become https', () => {
    const settings: GatewaySettings = { ...base, tls: { mode: 'self-signed', hsts: true }, ports: { nginx: 3000, litellm: 4000, httpRedirect: 8080 } };
    expect(settingsFromEnv(envFor(settings))).toEqual({ ...settings, scale: DEFAULT_SCALE });
    expect(gatewayUrls(settings)).toMatchObject({ api: 'https://127.0.0.1:3000/api/litellm/v1', openWebui: 'https://127.0.0.1:3000/', adminUi: 'http://127.0.0.1:4000/ui' });
    expect(() => settingsFromEnv(envFor({ ...withoutNginx, tls: { mode: 'files', hsts: false } }))).toThrow(/TLS: HTTPS is served by Nginx/);
  });
});

describe('config.yaml', () => {
  it('matches its snapshot and holds no secret values', async () => {
    const { text } = renderConfigYaml(null, { budgetProfile: 'prod', providers: [{ id: 'openai' }, { id: 'azure', azureDeployment: 'gpt-4o-eu' }, { id: 'ollama' }] });
    await expect(text).toMatchFileSnapshot('./__snapshots__/config.providers.yaml');
    const parsed = parseYaml(text) as Record<string, Record<string, unknown>>;
    expect(parsed.litellm_settings).toEqual({ max_budget: 200, budget_duration: '30d', drop_params: true });
    expect(parsed.general_settings).toEqual({ master_key: 'os.environ/LITELLM_MASTER_KEY', database_url: 'os.environ/DATABASE_URL', store_model_in_db: true });
    for (const line of text.split('\n').filter((l) => /api_key|api_base|master_key|api_version/.test(l))) expect(line).toMatch(/os\.environ\/[A-Z_]+$/);
  });

  it('writes a working entry per provider: a wildcard plus one friendly model, keys as os.environ', () => {
    const all = ['openai', 'anthropic', 'gemini', 'groq', 'mistral', 'deepseek', 'together', 'openrouter', 'xai', 'azure', 'ollama'] as const;
    const parsed = parseYaml(renderConfigYaml(null, { budgetProfile: 'test', providers: all.map((id) => ({ id })) }).text) as { model_list: { model_name: string; litellm_params: Record<string, string> }[] };
    expect(parsed.model_list).toHaveLength(all.length * 2);
    const names = parsed.model_list.map((m) => m.model_name);
    expect(new Set(names).size).toBe(names.length); // no accidental load balancing between providers
    expect(parsed.model_list.find((m) => m.model_name === 'anthropic/*')?.litellm_params).toEqual({ model: 'anthropic/*', api_key: 'os.environ/ANTHROPIC_API_KEY' });
    expect(parsed.model_list.find((m) => m.model_name === 'gpt-4o')?.litellm_params).toEqual({
      model: 'azure/gpt-4o',
      api_key: 'os.environ/AZURE_API_KEY',
      api_base: 'os.environ/AZURE_API_BASE',
      api_version: 'os.environ/AZURE_API_VERSION',
    });
    expect(parsed.model_list.find((m) => m.model_name === 'llama3.2')?.litellm_params).toEqual({ model: 'ollama_chat/llama3.2', api_base: 'os.environ/OLLAMA_API_BASE' });
  });

  it('names the variables it reads and its pool limit as parsing its text would (setup hands them to LiteLLM without a second parse)', () => {
    const user = 'model_list:\n  - model_name: mine\n    litellm_params:\n      model: openai/mine\n      api_key: os.environ/MY_OWN_KEY # mine\n      api_base: "os.environ/MY_BASE"\nenvironment_variables:\n  EXTRA: os.environ/EXTRA_TOKEN\n';
    const cases: [string | null, Parameters<typeof renderConfigYaml>[1]][] = [
      [null, { budgetProfile: 'test', providers: [] }],
      [null, { budgetProfile: 'prod', providers: [{ id: 'openai' }, { id: 'azure', azureDeployment: 'gpt-4o-eu' }, { id: 'ollama' }], redis: true }],
      [user, { budgetProfile: 'unlimited', providers: [{ id: 'anthropic' }] }],
    ];
    for (const [existing, input] of cases) {
      const rendered = renderConfigYaml(existing, input);
      expect(rendered.envRefs).toEqual(litellmEnvReferences(rendered.text));
      expect(rendered.poolLimit).toBe(litellmPoolLimit(rendered.text));
      expect(rendered.envRefs).toContain('LITELLM_MASTER_KEY');
    }
    expect(renderConfigYaml(user, { budgetProfile: 'test', providers: [] }).envRefs).toEqual(expect.arrayContaining(['EXTRA_TOKEN', 'MY_BASE', 'MY_OWN_KEY']));
    expect(renderConfigYaml(`${user}general_settings:\n  database_connection_pool_limit: 7\n`, { budgetProfile: 'test', providers: [] }).poolLimit).toBe(7);
  });

  it('keeps the user entries, comments and settings, replacing only managed entries', () => {
    const first = renderConfigYaml(null, { budgetProfile: 'test', providers: [{ id: 'openai' }] }).text;
    const withUserEntry = first.replace('litellm_settings:', '  - model_name: my-local # served by vLLM\n    litellm_params:\n      model: openai/my-local\n      api_base: http://vllm:8000/v1\nlitellm_settings:\n  # mine\n  request_timeout: 120') + 'router_settings:\n  num_retries: 2\n';
    expect(parseDocument(withUserEntry).errors).toEqual([]);
    const second = renderConfigYaml(withUserEntry, { budgetProfile: 'unlimited', providers: [{ id: 'anthropic' }] }).text;
    const parsed = parseYaml(second) as { model_list: { model_name: string }[]; litellm_settings: Record<string, unknown>; router_settings: unknown };
    expect(parsed.model_list.map((m) => m.model_name)).toEqual(['anthropic/*', 'claude-sonnet-4-5', 'my-local']);
    expect(parsed.litellm_settings).toEqual({ request_timeout: 120, max_budget: 1000, budget_duration: '30d', drop_params: true });
    expect(parsed.router_settings).toEqual({ num_retries: 2 });
    expect(second).toContain('# served by vLLM');
    expect(second).toContain('# mine');
    // A third run with the same input changes nothing.
    expect(renderConfigYaml(second, { budgetProfile: 'unlimited', providers: [{ id: 'anthropic' }] }).text).toBe(second);
  });

  it("keeps a user's drop_params choice and moves the original project's misplaced budget", () => {
    const original = 'general_settings:\n  max_budget: 15.0\n  budget_duration: "monthly"\n  master_key: os.environ/LITELLM_MASTER_KEY\nlitellm_settings:\n  drop_params: false\n';
    const { text, notes } = renderConfigYaml(original, { budgetProfile: 'test', providers: [] });
    const parsed = parseYaml(text) as Record<string, Record<string, unknown>>;
    expect(parsed.general_settings?.max_budget).toBeUndefined();
    expect(parsed.litellm_settings).toEqual({ drop_params: false, max_budget: 15, budget_duration: '30d' });
    expect(notes.join(' ')).toMatch(/Moved max_budget from general_settings to litellm_settings/);
  });

  it('refuses an invalid config.yaml with the line of the problem', () => {
    expect(() => renderConfigYaml('model_list:\n  - model_name: x\n   bad: [\n', { budgetProfile: 'test', providers: [] }, '/gw/config.yaml')).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG_YAML', exitCode: 2, message: expect.stringMatching(/\/gw\/config\.yaml cannot be updated: it is not valid YAML \(line \d+/) }),
    );
    expect(() => renderConfigYaml('- a\n- b\n', { budgetProfile: 'test', providers: [] })).toThrow(/top level is not a mapping/);
    expect(() => renderConfigYaml('model_list: 3\n', { budgetProfile: 'test', providers: [] })).toThrow(/model_list is not a list/);
  });
});

describe('.env', () => {
  it('a fresh file matches its snapshot, reads back as the same settings and warns about the salt key', async () => {
    const env = envFor(base, { OPENAI_API_KEY: 'sk-openai-0123456789' });
    await expect(env.toString()).toMatchFileSnapshot('./__snapshots__/env.fresh');
    expect(settingsFromEnv(env)).toEqual({ ...base, scale: DEFAULT_SCALE });
    expect(env.toString()).toMatch(/# Never change it: changing it makes stored provider credentials unreadable\.\nLITELLM_SALT_KEY=/);
  });

  it('an existing file keeps user lines, comments and order; only our keys change; missing ones are appended as a block', () => {
    const user = '# my notes\nMY_TOOL_TOKEN=abc # inline\nRESOURCE_PROFILE=small\n\nexport LITELLM_PORT=4100\nVIRTUAL_KEY=sk-virtual-123456789\n';
    const env = renderEnv(EnvFile.parse(user), { ...settingsToEnv(base), ...SECRETS });
    const text = env.toString();
    expect(text.startsWith('# my notes\nMY_TOOL_TOKEN=abc # inline\nRESOURCE_PROFILE=medium\n\nexport LITELLM_PORT=4000\nVIRTUAL_KEY=sk-virtual-123456789\n')).toBe(true);
    expect(text).toContain('# LiteLLM salt key: encrypts the provider credentials stored in the database.');
    for (const key of Object.keys(SECRETS)) expect(env.get(key)).toBe(SECRETS[key as keyof typeof SECRETS]);
    // Applying the same values again is a no-op.
    expect(renderEnv(env, { ...settingsToEnv(base), ...SECRETS }).toString()).toBe(text);
  });

  it('lists every key it manages once', () => {
    expect(new Set(MANAGED_ENV_KEYS).size).toBe(MANAGED_ENV_KEYS.length);
    for (const key of Object.keys(settingsToEnv(base))) expect(MANAGED_ENV_KEYS).toContain(key);
  });
});

describe('.gitignore', () => {
  it('creates one that keeps secrets and backups out of git', () => {
    const text = renderGitignore(null);
    for (const line of GITIGNORE_LINES) expect(text.split('\n')).toContain(line);
  });

  it('merges into an existing one: adds only missing lines, keeps the rest', () => {
    const existing = 'node_modules/\n.env\n';
    const merged = renderGitignore(existing);
    expect(merged.startsWith(existing)).toBe(true);
    expect(merged.match(/^\.env$/gm)).toHaveLength(1);
    expect(renderGitignore(merged)).toBe(merged);
    expect(renderGitignore('x')).toMatch(/^x\n\n# ai-gateway/);
  });
});
