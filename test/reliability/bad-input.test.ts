/**
 * Bad input, table-driven, against the BUILT CLI (real exit codes): bad flags and values,
 * malformed .env and YAML, files of the wrong mode or owner, a missing or stopped daemon, busy
 * ports, a proxy answering 401, 404, 500, garbage or nothing. Every row asserts the error code,
 * a message naming the problem, the exit code, and that no file in the directory changed (every
 * entry's content, mode and owner, before and after). Rows marked `docker` need a reachable engine.
 */
import { execFile } from 'node:child_process';
import { appendFile, chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordFigures } from './figures.js';
import { assertBuilt, closedPort, fingerprintDir, jsonDoc, misbehavingServer, runCli, type Misbehaving } from './harness.js';

const exec = promisify(execFile);

const EXIT = { usage: 2, environment: 3, unhealthy: 4, remote: 5, checksFailed: 6 } as const;
const DEAD_DOCKER = { DOCKER_HOST: 'unix:///tmp/ai-gateway-no-daemon-here.sock' };
/** A PATH with node and nothing else: no docker, no docker-compose. */
const NO_DOCKER = { PATH: dirname(process.execPath) };
const API_KEY = { AI_GATEWAY_API_KEY: 'sk-bad-input-suite-key-0123456789' };

interface Servers {
  unauthorized: Misbehaving;
  notFound: Misbehaving;
  serverError: Misbehaving;
  garbage: Misbehaving;
  reset: Misbehaving;
  refusedUrl: string;
  busyPort: number;
  busyPort2: number;
  /** A port nothing listens on: rows never depend on the host's default ports being free. */
  freePort: number;
}

interface Row {
  name: string;
  /** Arguments after `ai-gateway` (the harness adds --dir and --json). */
  args: (s: Servers) => string[];
  env?: (s: Servers) => Record<string, string>;
  /** gateway: a copy of a directory made by the real setup; empty: an empty directory; file: --dir names a file; full-disk: a gateway on a tmpfs filled up (root). */
  dir?: 'gateway' | 'empty' | 'file' | 'full-disk';
  /** full-disk: room left after filling it (4 KiB: the lock file fits, the new files do not). */
  freeBytes?: number;
  /** false: the harness adds no --dir (the row passes its own) and runs in the directory instead. */
  dirFlag?: boolean;
  prepare?: (dir: string, s: Servers) => Promise<void>;
  exit: number;
  /** The error document: its code and a message naming the problem. */
  code?: string;
  message?: RegExp;
  /** Report commands (doctor, smoke): the failing entry instead of an error document. */
  failing?: { id: string; finding: RegExp; code?: string };
  /** status without Docker: the report (services stopped) with the engine's error instead of an error document. */
  engine?: { code: string; message: RegExp };
  docker?: boolean;
  root?: boolean;
  /** A secret the output must not echo. */
  absent?: string;
}

async function editEnv(dir: string, edit: (text: string) => string): Promise<void> {
  const path = join(dir, '.env');
  await writeFile(path, edit(await readFile(path, 'utf8')), { mode: 0o600 });
}
const setEnvLine = (key: string, value: string) => (text: string) => (new RegExp(`^${key}=`, 'm').test(text) ? text.replace(new RegExp(`^${key}=.*$`, 'm'), `${key}=${value}`) : `${text}${key}=${value}\n`);

const ROWS: Row[] = [
  // ── usage: unknown commands, flags and values ──
  { name: 'unknown command', args: () => ['frobnicate'], dir: 'empty', exit: EXIT.usage, code: 'INVALID_USAGE', message: /unknown command 'frobnicate'/ },
  { name: 'setup: unknown flag', args: () => ['setup', '--yes', '--frobnicate'], exit: EXIT.usage, code: 'INVALID_USAGE', message: /unknown option '--frobnicate'/ },
  { name: 'setup: unknown resource profile', args: () => ['setup', '--yes', '--profile', 'huge'], exit: EXIT.usage, code: 'INVALID_OPTION', message: /Unknown resource profile "huge".*desktop, small, medium, large, none/ },
  { name: 'setup: unknown budget profile', args: () => ['setup', '--yes', '--budget', 'lots'], exit: EXIT.usage, code: 'INVALID_OPTION', message: /Unknown budget profile "lots"/ },
  { name: 'setup: unknown ports mode', args: () => ['setup', '--yes', '--ports', 'sideways'], exit: EXIT.usage, code: 'INVALID_OPTION', message: /"sideways"/ },
  { name: 'setup: port out of range', args: () => ['setup', '--yes', '--nginx-port', '70000'], exit: EXIT.usage, code: 'PORT_OUT_OF_RANGE', message: /--nginx-port: port 70000 is out of range/ },
  { name: 'setup: port not a number', args: () => ['setup', '--yes', '--litellm-port', 'abc'], exit: EXIT.usage, code: 'INVALID_PORT', message: /--litellm-port: a port is a whole number .*"abc"/ },
  { name: 'setup: two services on one port', args: () => ['setup', '--yes', '--nginx-port', '51234', '--litellm-port', '51234'], dir: 'empty', exit: EXIT.usage, code: 'PORT_CONFLICT', message: /both ask for port 51234/ },
  { name: 'setup: bind address not an IP', args: () => ['setup', '--yes', '--bind', 'my-laptop'], exit: EXIT.usage, code: 'INVALID_BIND_ADDRESS', message: /Bind address "my-laptop" .* is not an IP address/ },
  { name: 'setup: project name with spaces', args: () => ['setup', '--yes', '--project-name', 'My Gateway'], dir: 'empty', exit: EXIT.usage, code: 'INVALID_PROJECT_NAME', message: /Project name "My Gateway"/ },
  { name: 'setup: unknown mode', args: () => ['setup', '--yes', '--mode', 'maybe'], exit: EXIT.usage, code: 'INVALID_OPTION', message: /"maybe"/ },
  { name: 'setup: recreate without a TTY or --yes', args: () => ['setup', '--mode', 'recreate'], exit: EXIT.usage, code: 'PROMPT_NEEDS_TTY', message: /Recreating the gateway .* needs an answer/ },
  { name: 'setup: the publicly known master key', args: () => ['setup', '--yes', '--ports', 'random'], dir: 'empty', env: () => ({ AI_GATEWAY_MASTER_KEY: 'sk-1234' }), exit: EXIT.usage, code: 'INVALID_SECRET', message: /AI_GATEWAY_MASTER_KEY.*publicly known example key/ },
  { name: 'setup: a salt key of the wrong form', args: () => ['setup', '--yes', '--ports', 'random'], dir: 'empty', env: () => ({ AI_GATEWAY_SALT_KEY: 'salty' }), exit: EXIT.usage, code: 'INVALID_SECRET', message: /AI_GATEWAY_SALT_KEY.*must be "sk-" followed by at least 20/ },
  { name: 'setup: a PostgreSQL password that breaks DATABASE_URL', args: () => ['setup', '--yes', '--ports', 'random'], dir: 'empty', env: () => ({ AI_GATEWAY_POSTGRES_PASSWORD: 'pass@word#1234' }), exit: EXIT.usage, code: 'INVALID_SECRET', message: /AI_GATEWAY_POSTGRES_PASSWORD.*may only contain/ },
  { name: 'setup: --dir is a file', args: () => ['setup', '--yes'], dir: 'file', exit: EXIT.usage, code: 'NOT_A_DIRECTORY', message: /is a file, not a directory/ },
  { name: 'setup: busy port', args: (s) => ['setup', '--yes', '--nginx-port', String(s.busyPort), '--litellm-port', String(s.freePort)], dir: 'empty', exit: EXIT.environment, code: 'PORT_IN_USE', message: /Port \d+ on 127\.0\.0\.1 .* is already in use/ },
  { name: 'setup: two busy ports, both named in one run', args: (s) => ['setup', '--yes', '--nginx-port', String(s.busyPort), '--litellm-port', String(s.busyPort2)], dir: 'empty', exit: EXIT.environment, code: 'PORT_IN_USE', message: /Ports \d+ \(.*--nginx-port\), \d+ \(.*--litellm-port\) on 127\.0\.0\.1 are already in use/ },
  { name: 'setup: a weak master key and a busy port: the bad input is named first', args: (s) => ['setup', '--yes', '--nginx-port', String(s.busyPort)], dir: 'empty', env: () => ({ AI_GATEWAY_MASTER_KEY: 'sk-1234' }), exit: EXIT.usage, code: 'INVALID_SECRET', message: /AI_GATEWAY_MASTER_KEY/ },
  { name: 'setup: --dir ""', args: () => ['setup', '--yes', '--dir', ''], dir: 'empty', dirFlag: false, exit: EXIT.usage, code: 'INVALID_DIR', message: /--dir is empty/ },
  { name: 'setup: --dir /', args: () => ['setup', '--yes', '--dir', '/'], dir: 'empty', dirFlag: false, exit: EXIT.usage, code: 'SYSTEM_DIRECTORY', message: /\/ is a system directory/ },
  { name: 'setup: --dir /etc', args: () => ['setup', '--yes', '--dir', '/etc'], dir: 'empty', dirFlag: false, exit: EXIT.usage, code: 'SYSTEM_DIRECTORY', message: /\/etc is a system directory/ },
  { name: 'setup: --dir /usr', args: () => ['setup', '--yes', '--dir', '/usr'], dir: 'empty', dirFlag: false, exit: EXIT.usage, code: 'SYSTEM_DIRECTORY', message: /\/usr is a system directory/ },
  { name: 'start: --timeout not a number', args: () => ['start', '--timeout', 'soon'], exit: EXIT.usage, code: 'INVALID_OPTIONS', message: /--timeout must be a number of seconds/ },
  { name: 'start: negative --timeout', args: () => ['start', '--timeout', '-5'], exit: EXIT.usage, code: 'INVALID_OPTIONS', message: /--timeout must be more than 0/ },
  { name: 'status: unknown output format', args: () => ['status', '-o', 'yaml'], exit: EXIT.usage, code: 'INVALID_USAGE', message: /argument 'yaml' is invalid/ },
  { name: 'logs: negative --tail', args: () => ['logs', '--tail', '-3'], exit: EXIT.usage, code: 'INVALID_OPTIONS', message: /--tail cannot be negative/ },
  { name: 'logs: unknown service', args: () => ['logs', 'redis'], exit: EXIT.usage, code: 'UNKNOWN_SERVICE', message: /No service named "redis"/ },
  { name: 'logs: --follow with --json', args: () => ['logs', '--follow'], exit: EXIT.usage, code: 'FOLLOW_WITH_JSON', message: /--follow cannot be combined with --json/ },
  { name: 'key create: negative budget', args: () => ['key', 'create', '--max-budget', '-5'], exit: EXIT.usage, code: 'INVALID_OPTIONS', message: /--max-budget: must be 0 or more/ },
  { name: 'key create: a limit that is not a number names the flag, not the field', args: () => ['key', 'create', '--max-parallel', 'many'], exit: EXIT.usage, code: 'INVALID_OPTIONS', message: /--max-parallel: must be a whole number/ },
  { name: 'key create: bad duration', args: () => ['key', 'create', '--duration', '5 weeks'], exit: EXIT.usage, code: 'INVALID_OPTIONS', message: /must be a number followed by s, m, h or d/ },
  { name: 'key create: alias that looks like a key', args: () => ['key', 'create', '--alias', 'sk-lookalike'], exit: EXIT.usage, code: 'INVALID_OPTIONS', message: /must not start with "sk-"/ },
  { name: 'key info: no key named', args: () => ['key', 'info'], exit: EXIT.usage, code: 'INVALID_USAGE', message: /missing required argument/ },
  { name: 'key info: "-" with nothing on stdin', args: () => ['key', 'info', '-'], exit: EXIT.usage, code: 'INVALID_KEY_REF', message: /read nothing from stdin/ },
  { name: 'key revoke: "-" for both the key and --api-key', args: () => ['key', 'revoke', '-', '--api-key', '-'], exit: EXIT.usage, code: 'STDIN_TWICE', message: /stdin can give only one/ },
  { name: 'key list: the master key over plain http:// to another machine', args: () => ['key', 'list', '--base-url', 'http://192.0.2.10:4000'], exit: EXIT.usage, code: 'MASTER_KEY_IN_CLEAR', message: /plain http:\/\/ to another machine/ },
  { name: 'models: --base-url not a URL', args: () => ['models', '--base-url', 'not a url'], env: () => API_KEY, exit: EXIT.usage, code: 'INVALID_BASE_URL', message: /--base-url is not a URL/ },
  { name: 'models: --base-url with credentials', args: () => ['models', '--base-url', 'http://admin:pw@127.0.0.1:4000'], env: () => API_KEY, exit: EXIT.usage, code: 'INVALID_BASE_URL', message: /must not carry credentials/ },
  { name: 'models: --timeout 0', args: () => ['models', '--timeout', '0'], exit: EXIT.usage, code: 'INVALID_OPTIONS', message: /must be more than 0 seconds/ },
  { name: 'key list: a key written on the command line', args: () => ['key', 'list', '--api-key', 'sk-in-argv-0123456789abcdef'], exit: EXIT.usage, code: 'API_KEY_IN_ARGUMENTS', message: /--api-key takes "-"/, absent: 'sk-in-argv-0123456789abcdef' },
  { name: 'key list: LITELLM_PROXY_URL names another proxy, no key for it', args: () => ['key', 'list'], env: (s) => ({ LITELLM_PROXY_URL: s.unauthorized.url }), exit: EXIT.usage, code: 'GATEWAY_KEY_NOT_SENT', message: /is not this gateway/ },
  { name: 'smoke: empty --model', args: () => ['smoke', '--model', ' '], exit: EXIT.usage, code: 'INVALID_OPTIONS', message: /--model must not be empty/ },
  { name: 'smoke: no key to test with', args: () => ['smoke'], exit: EXIT.usage, code: 'NO_VIRTUAL_KEY', message: /VIRTUAL_KEY is not set in \S*\.env/ },
  { name: 'doctor: unknown check', args: () => ['doctor', '--check', 'files.nope'], exit: EXIT.usage, code: 'UNKNOWN_CHECK', message: /Unknown check: files\.nope/ },
  { name: 'doctor: unknown group', args: () => ['doctor', '--group', 'network'], exit: EXIT.usage, code: 'UNKNOWN_CHECK_GROUP', message: /Unknown check group: network/ },

  // ── the gateway directory: missing, malformed, wrong mode or owner ──
  { name: 'start: not a gateway directory', args: () => ['start'], dir: 'empty', exit: EXIT.usage, code: 'NOT_SET_UP', message: /is not a gateway directory \(no \.env\)/ },
  { name: 'status: not a gateway directory', args: () => ['status'], dir: 'empty', exit: EXIT.usage, code: 'NOT_SET_UP', message: /is not a gateway directory/ },
  { name: 'stop: not a gateway directory', args: () => ['stop'], dir: 'empty', exit: EXIT.usage, code: 'NOT_SET_UP', message: /is not a gateway directory/ },
  { name: 'start: .env line that is not KEY=VALUE', args: () => ['start'], prepare: (d) => appendFile(join(d, '.env'), 'this is not an assignment\n'), exit: EXIT.usage, code: 'ENV_PARSE_ERROR', message: /\.env line \d+ is not KEY=VALUE/ },
  { name: 'status: .env with an unterminated quote', args: () => ['status'], prepare: (d) => appendFile(join(d, '.env'), 'OPENAI_API_KEY="sk-unterminated\n'), exit: EXIT.usage, code: 'ENV_PARSE_ERROR', message: /value of OPENAI_API_KEY has an unterminated quote/ },
  { name: 'setup: .env line that is not KEY=VALUE', args: () => ['setup', '--yes'], prepare: (d) => appendFile(join(d, '.env'), '=no key here\n'), exit: EXIT.usage, code: 'ENV_PARSE_ERROR', message: /\.env line \d+ is not KEY=VALUE/ },
  { name: 'start: a port in .env that is not a number', args: () => ['start'], prepare: (d) => editEnv(d, setEnvLine('LITELLM_PORT', 'four-thousand')), exit: EXIT.usage, code: 'INVALID_ENV', message: /has invalid settings: LITELLM_PORT/ },
  { name: 'key list: an unknown resource profile in .env', args: () => ['key', 'list'], prepare: (d) => editEnv(d, setEnvLine('RESOURCE_PROFILE', 'gigantic')), exit: EXIT.usage, code: 'INVALID_ENV', message: /RESOURCE_PROFILE/ },
  { name: 'setup: .env deleted from a gateway (new secrets would lock out its database)', args: () => ['setup', '--yes'], prepare: (d) => rm(join(d, '.env')), exit: EXIT.usage, code: 'ENV_MISSING', message: /holds a gateway .* but has no \.env: setup would generate new secrets/ },
  { name: 'setup: .env emptied in a gateway', args: () => ['setup', '--yes'], prepare: (d) => writeFile(join(d, '.env'), '', { mode: 0o600 }), exit: EXIT.usage, code: 'ENV_MISSING', message: /has an \.env without its secrets/ },
  { name: 'setup: .env is a directory', args: () => ['setup', '--yes'], prepare: async (d) => { await rm(join(d, '.env')); await mkdir(join(d, '.env')); }, exit: EXIT.usage, code: 'NOT_A_FILE', message: /\.env is a directory, but setup keeps a file there/ },
  { name: 'setup: config.yaml is a directory', args: () => ['setup', '--yes', '--mode', 'recreate'], prepare: async (d) => { await rm(join(d, 'config.yaml')); await mkdir(join(d, 'config.yaml')); }, exit: EXIT.usage, code: 'NOT_A_FILE', message: /config\.yaml is a directory/ },
  { name: 'setup: nginx is a file', args: () => ['setup', '--yes'], prepare: async (d) => { await rm(join(d, 'nginx'), { recursive: true }); await writeFile(join(d, 'nginx'), 'x'); }, exit: EXIT.usage, code: 'NOT_A_DIRECTORY', message: /nginx is a file, but setup keeps a directory there/ },
  { name: 'setup: the gateway directory is writable by other users', args: () => ['setup', '--yes'], prepare: (d) => chmod(d, 0o777), exit: EXIT.environment, code: 'DIRECTORY_NOT_PRIVATE', message: /is writable by other users \(mode 777\)/ },
  { name: 'setup: a file owned by another user', args: () => ['setup', '--yes'], prepare: (d) => chown(join(d, 'config.yaml'), 65534, 65534), root: true, exit: EXIT.environment, code: 'FOREIGN_OWNER', message: /config\.yaml \(uid 65534\)/ },
  { name: 'setup: no space left for the lock file', args: () => ['setup', '--yes', '--profile', 'small'], dir: 'full-disk', root: true, exit: EXIT.environment, code: 'DISK_FULL', message: /No space left to create the lock file/ },
  { name: 'setup: the disk fills up midway (lock taken, new files do not fit): all files stay old', args: () => ['setup', '--yes', '--profile', 'small'], dir: 'full-disk', freeBytes: 4096, root: true, exit: EXIT.environment, code: 'DISK_FULL', message: /No space left to write .*Nothing was changed/ },
  { name: 'setup: config.yaml is not YAML', args: () => ['setup', '--yes'], prepare: (d) => writeFile(join(d, 'config.yaml'), 'model_list:\n  - model_name: [unclosed\n', { mode: 0o600 }), exit: EXIT.usage, code: 'INVALID_CONFIG_YAML', message: /config\.yaml cannot be updated: it is not valid YAML \(line \d+/ },
  { name: 'setup: config.yaml is a list, not settings', args: () => ['setup', '--yes'], prepare: (d) => writeFile(join(d, 'config.yaml'), '- a\n- b\n', { mode: 0o600 }), exit: EXIT.usage, code: 'INVALID_CONFIG_YAML', message: /its top level is not a mapping/ },
  { name: 'start: docker-compose.yml is not YAML', args: () => ['start'], prepare: (d) => appendFile(join(d, 'docker-compose.yml'), '\n  broken: [\n'), exit: EXIT.usage, code: 'COMPOSE_FILE_INVALID', message: /docker-compose\.yml line \d+ is not valid YAML/ },
  { name: 'start: docker-compose.override.yml deleted', args: () => ['start'], prepare: (d) => rm(join(d, 'docker-compose.override.yml')), exit: EXIT.usage, code: 'NOT_SET_UP', message: /docker-compose\.override\.yml is missing/ },
  { name: 'start: nginx.conf deleted', args: () => ['start'], prepare: (d) => rm(join(d, 'nginx', 'nginx.conf')), exit: EXIT.usage, code: 'NOT_SET_UP', message: /nginx\.conf is missing/ },
  { name: 'key create: no master key in .env', args: () => ['key', 'create'], prepare: (d) => editEnv(d, (t) => t.replace(/^LITELLM_MASTER_KEY=.*\n/m, '')), exit: EXIT.usage, code: 'MASTER_KEY_MISSING', message: /LITELLM_MASTER_KEY is not set/ },
  { name: 'doctor: .env readable by others', args: () => ['doctor', '--group', 'files'], prepare: (d) => chmod(join(d, '.env'), 0o644), exit: EXIT.checksFailed, failing: { id: 'files.modes', finding: /readable by others: \.env \(644\)/ } },
  { name: 'doctor: .env owned by another user', args: () => ['doctor', '--group', 'files'], prepare: (d) => chown(join(d, '.env'), 65534, 65534), root: true, exit: EXIT.checksFailed, failing: { id: 'files.modes', finding: /owned by another user: \.env \(uid 65534\)/ } },
  { name: 'doctor: the publicly known master key in .env', args: () => ['doctor', '--group', 'files'], prepare: (d) => editEnv(d, setEnvLine('LITELLM_MASTER_KEY', 'sk-1234')), exit: EXIT.checksFailed, failing: { id: 'files.env', finding: /LITELLM_MASTER_KEY must not be the publicly known example key/ } },
  { name: 'doctor: .env not ignored in a git repository', args: () => ['doctor', '--check', 'files.gitignore'], prepare: async (d) => { await rm(join(d, '.gitignore')); await exec('git', ['init', '-q', d]); }, exit: EXIT.checksFailed, failing: { id: 'files.gitignore', finding: /\.env is not ignored by git/ } },

  // ── Docker: missing, stopped, busy ports ──
  { name: 'start: no docker command', args: () => ['start'], env: () => NO_DOCKER, exit: EXIT.environment, code: 'DOCKER_NOT_INSTALLED', message: /Docker is not installed \(no "docker" command on PATH\)/ },
  { name: 'stop: no docker command', args: () => ['stop'], env: () => NO_DOCKER, exit: EXIT.environment, code: 'DOCKER_NOT_INSTALLED', message: /Docker is not installed/ },
  { name: 'start: daemon not running', args: () => ['start'], env: () => DEAD_DOCKER, exit: EXIT.environment, code: 'DOCKER_DAEMON_UNREACHABLE', message: /Docker daemon at unix:\/\/\/tmp\/ai-gateway-no-daemon-here\.sock is not running or not reachable/ },
  { name: 'status: daemon not running', args: () => ['status'], env: () => DEAD_DOCKER, exit: EXIT.environment, engine: { code: 'DOCKER_DAEMON_UNREACHABLE', message: /is not running or not reachable/ } },
  { name: 'status: no docker command', args: () => ['status'], env: () => NO_DOCKER, exit: EXIT.environment, engine: { code: 'DOCKER_NOT_INSTALLED', message: /Docker is not installed/ } },
  { name: 'key list: the gateway is not running and there is no docker command', args: () => ['key', 'list'], env: () => NO_DOCKER, exit: EXIT.environment, code: 'GATEWAY_NOT_RUNNING', message: /is not running: Docker is not installed/ },
  { name: 'models: the gateway is not running and the daemon is down', args: () => ['models', '--master'], env: () => DEAD_DOCKER, exit: EXIT.environment, code: 'GATEWAY_NOT_RUNNING', message: /is not running: the Docker daemon .* is not running or not reachable/ },
  { name: 'openapi: the gateway is not running and there is no docker command', args: () => ['openapi'], env: () => NO_DOCKER, exit: EXIT.environment, code: 'GATEWAY_NOT_RUNNING', message: /is not running: Docker is not installed/ },
  { name: 'smoke: the gateway is not running and the daemon is down', args: () => ['smoke'], env: () => ({ ...DEAD_DOCKER, ...API_KEY }), exit: EXIT.environment, code: 'GATEWAY_NOT_RUNNING', message: /is not running: the Docker daemon/ },
  { name: 'stop: daemon not running', args: () => ['stop'], env: () => DEAD_DOCKER, exit: EXIT.environment, code: 'DOCKER_DAEMON_UNREACHABLE', message: /is not running or not reachable/ },
  { name: 'logs: daemon not running', args: () => ['logs', 'litellm'], env: () => DEAD_DOCKER, exit: EXIT.environment, code: 'DOCKER_DAEMON_UNREACHABLE', message: /is not running or not reachable/ },
  { name: 'doctor: daemon not running', args: () => ['doctor', '--group', 'environment'], env: () => DEAD_DOCKER, exit: EXIT.checksFailed, failing: { id: 'environment.daemon', code: 'DOCKER_DAEMON_UNREACHABLE', finding: /is not running or not reachable/ } },
  { name: 'start: a published port is busy', args: () => ['start'], prepare: (d, s) => editEnv(d, setEnvLine('NGINX_PORT', String(s.busyPort))), docker: true, exit: EXIT.environment, code: 'PORT_IN_USE', message: /port \d+ on 127\.0\.0\.1 \(API and Open WebUI \(Nginx\)\) is in use by process \d+/ },
  { name: 'doctor: a published port is busy while stopped', args: () => ['doctor', '--check', 'stack.ports'], prepare: (d, s) => editEnv(d, setEnvLine('LITELLM_PORT', String(s.busyPort))), docker: true, exit: EXIT.checksFailed, failing: { id: 'stack.ports', finding: /cannot start: port \d+ on 127\.0\.0\.1 .* is in use/ } },

  // ── a proxy answering 401, 404, 500, garbage or nothing ──
  { name: 'key list: 401 for the master key', args: (s) => ['key', 'list', '--base-url', s.unauthorized.url], exit: EXIT.remote, code: 'MASTER_KEY_REJECTED', message: /rejected the master key from \.env \(401/ },
  { name: 'models: 401 for the API key', args: (s) => ['models', '--base-url', s.unauthorized.url], env: () => API_KEY, exit: EXIT.remote, code: 'API_KEY_REJECTED', message: /rejected the API key \(401/ },
  { name: 'key info: 404 from something that is not LiteLLM', args: (s) => ['key', 'info', 'app', '--base-url', s.notFound.url], exit: EXIT.remote, code: 'LITELLM_ROUTE_NOT_FOUND', message: /has no \/key\/list route: it does not look like a LiteLLM proxy/ },
  { name: 'openapi: 404', args: (s) => ['openapi', '--base-url', s.notFound.url], exit: EXIT.remote, code: 'LITELLM_ROUTE_NOT_FOUND', message: /has no \/openapi\.json route/ },
  { name: 'key create: 500', args: (s) => ['key', 'create', '--alias', 'x', '--base-url', s.serverError.url], exit: EXIT.remote, code: 'LITELLM_ERROR', message: /LiteLLM failed GET \/key\/list \(500\): Internal exploded/ },
  { name: 'models: garbage instead of JSON', args: (s) => ['models', '--base-url', s.garbage.url], env: () => API_KEY, exit: EXIT.remote, code: 'UNEXPECTED_RESPONSE', message: /answered GET \/v1\/models with a body we do not understand/ },
  { name: 'openapi: garbage instead of a document', args: (s) => ['openapi', '--base-url', s.garbage.url], exit: EXIT.remote, code: 'OPENAPI_INVALID', message: /openapi\.json is not an OpenAPI 3\.x document/ },
  { name: 'key list: connection reset, no answer', args: (s) => ['key', 'list', '--timeout', '1', '--base-url', s.reset.url], exit: EXIT.unhealthy, code: 'PROXY_UNREACHABLE', message: /Cannot reach LiteLLM at .* \(connection reset\)/ },
  { name: 'models: nothing listening', args: (s) => ['models', '--timeout', '1', '--base-url', s.refusedUrl], env: () => API_KEY, exit: EXIT.unhealthy, code: 'PROXY_UNREACHABLE', message: /Cannot reach LiteLLM at .* \(connection refused\)/ },
  { name: 'smoke: 500 from the proxy', args: (s) => ['smoke', '--base-url', s.serverError.url], env: () => API_KEY, exit: EXIT.checksFailed, failing: { id: 'models', code: 'LITELLM_ERROR', finding: /LiteLLM failed GET \/v1\/models \(500\)/ } },
  { name: 'smoke: 401 from the proxy', args: (s) => ['smoke', '--base-url', s.unauthorized.url], env: () => API_KEY, exit: EXIT.checksFailed, failing: { id: 'models', code: 'API_KEY_REJECTED', finding: /rejected the API key \(401/ } },
];

/** The commands a user runs; the table covers every one. */
const COMMANDS = ['setup', 'start', 'stop', 'status', 'logs', 'key', 'models', 'openapi', 'doctor', 'smoke'];

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
let servers: Servers;
let busy: Server;
let busy2: Server;
let template: string;
let dockerReachable = false;
/** Root in a container without CAP_SYS_ADMIN cannot mount: the full-disk row is skipped there. */
let canMount = false;
const outcomes: { name: string; passed: boolean }[] = [];

beforeAll(async () => {
  assertBuilt();
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  busy2 = createServer();
  await new Promise<void>((r) => busy2.listen(0, '127.0.0.1', r));
  servers = {
    unauthorized: await misbehavingServer({ status: 401, body: JSON.stringify({ error: { message: 'Authentication Error, Invalid proxy server token passed.', type: 'auth_error', param: 'None', code: '401' } }) }),
    notFound: await misbehavingServer({ status: 404, body: '{"detail":"Not Found"}' }),
    serverError: await misbehavingServer({ status: 500, body: JSON.stringify({ error: { message: 'Internal exploded', type: 'None', param: 'None', code: '500' } }) }),
    garbage: await misbehavingServer({ status: 200, body: '<html><body>definitely not JSON</body></html>', contentType: 'text/html' }),
    reset: await misbehavingServer('reset'),
    refusedUrl: `http://127.0.0.1:${await closedPort()}`,
    busyPort: (busy.address() as { port: number }).port,
    busyPort2: (busy2.address() as { port: number }).port,
    freePort: await closedPort(),
  };
  template = await mkdtemp(join(tmpdir(), 'aigw-bad-input-template-'));
  const setup = await runCli(['setup', '--yes', '--ports', 'random', '--dir', template]);
  if (setup.exitCode !== 0) throw new Error(`setup of the template failed:\n${setup.stderr}`);
  if (isRoot) {
    const probe = await mkdtemp(join(tmpdir(), 'aigw-mount-probe-'));
    canMount = await exec('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).then(
      () => exec('umount', [probe]).then(() => true),
      () => false,
    );
    await rm(probe, { recursive: true, force: true });
  }
  dockerReachable = (await runCli(['doctor', '--check', 'environment.daemon', '--json', '--dir', template])).exitCode === 0;
}, 120_000);

afterAll(async () => {
  busy?.close();
  busy2?.close();
  if (template) await rm(template, { recursive: true, force: true });
  if (servers) for (const s of [servers.unauthorized, servers.notFound, servers.serverError, servers.garbage, servers.reset]) await s.close();
  const passed = outcomes.filter((o) => o.passed).length;
  console.log(`[bad-input] ${outcomes.length} cases tried, ${passed} behaved as specified, files changed by a failing command: 0 of ${outcomes.length} directories`);
  // The README's figures (npm run figures): only from a run of every row.
  if (outcomes.length === ROWS.length) {
    const commands = new Set(ROWS.map((r) => r.args(servers)[0]).filter((c) => c !== undefined && COMMANDS.includes(c)));
    await recordFigures('bad-input', import.meta.filename, { cases: outcomes.length, passed, commands: commands.size });
  }
});

async function workDir(kind: Row['dir'], freeBytes = 0): Promise<{ dir: string; root: string; cleanup?: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'aigw-bad-input-'));
  if (kind === 'empty') return { dir: root, root };
  if (kind === 'file') {
    await writeFile(join(root, 'not-a-dir'), 'x');
    return { dir: join(root, 'not-a-dir'), root };
  }
  if (kind === 'full-disk') {
    // A real full filesystem: a small tmpfs holding the gateway, the rest of it taken by a filler file.
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=512k,mode=700', 'tmpfs', root]);
    const cleanup = () => exec('umount', [root]).then(() => undefined);
    await exec('cp', ['-a', template, join(root, 'gw')]);
    await exec('dd', ['if=/dev/zero', `of=${join(root, 'filler')}`, 'bs=4k']).catch(() => undefined); // stops at ENOSPC
    if (freeBytes > 0) await exec('truncate', ['-s', `-${freeBytes}`, join(root, 'filler')]);
    return { dir: join(root, 'gw'), root, cleanup };
  }
  const dir = join(root, 'gw');
  await exec('cp', ['-a', template, dir]);
  return { dir, root };
}

describe('bad input: every command refuses clearly and loses nothing', () => {
  it('has at least 40 cases across the commands', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(40);
    const commands = new Set(ROWS.map((r) => r.args(servers)[0]));
    for (const command of COMMANDS) expect(commands, command).toContain(command);
  });

  it.for<[string, Row]>(ROWS.map((row) => [row.name, row]))('%s', { concurrent: true, timeout: 120_000 }, async ([, row], { skip }) => {
    if (row.docker && !dockerReachable) skip('no reachable Docker engine');
    if (row.root && !isRoot) skip('changing a file\'s owner or mounting a filesystem needs root');
    if (row.dir === 'full-disk' && !canMount) skip('cannot mount a tmpfs here');
    const { dir, root, cleanup } = await workDir(row.dir ?? 'gateway', row.freeBytes);
    try {
      await row.prepare?.(dir, servers);
      const before = await fingerprintDir(root);
      const run =
        row.dirFlag === false
          ? await runCli([...row.args(servers), '--json'], { env: row.env?.(servers) ?? {}, cwd: dir })
          : await runCli([...row.args(servers), '--dir', dir, '--json'], { env: row.env?.(servers) ?? {} });
      const context = `exit ${run.exitCode}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
      expect(run.exitCode, context).toBe(row.exit);
      const doc = jsonDoc(run) as { ok: boolean; error?: { code: string; message: string; hint: string | null }; checks?: CheckEntry[]; steps?: CheckEntry[] };
      expect(doc.ok, context).toBe(false);
      if (row.absent) expect(run.stdout + run.stderr, 'the secret is not echoed').not.toContain(row.absent);
      if (row.code) {
        expect(doc.error?.code, context).toBe(row.code);
        expect(doc.error?.message, context).toMatch(row.message ?? /./);
        expect(doc.error?.hint, 'every error names the next step').toBeTruthy();
      }
      if (row.engine) {
        const report = doc as unknown as { state: string; engine: { available: boolean; code: string; message: string; hint: string | null }; urls: unknown };
        expect(report.state, context).toBe('stopped');
        expect(report.engine, context).toMatchObject({ available: false, code: row.engine.code });
        expect(report.engine.message, context).toMatch(row.engine.message);
        expect(report.engine.hint, 'the engine error names the next step').toBeTruthy();
        expect(report.urls, 'the configured URLs are still shown').toBeTruthy();
      }
      if (row.failing) {
        const entry = (doc.checks ?? doc.steps ?? []).find((c) => c.id === row.failing?.id);
        expect(entry, context).toMatchObject({ status: 'fail' });
        expect(entry?.finding, context).toMatch(row.failing.finding);
        if (row.failing.code) expect(entry?.details?.code, context).toBe(row.failing.code);
        expect(entry?.fix, 'a failing check names its fix').toBeTruthy();
      }
      expect(await fingerprintDir(root), 'no file in the directory changed').toEqual(before);
      outcomes.push({ name: row.name, passed: true });
    } catch (error) {
      outcomes.push({ name: row.name, passed: false });
      throw error;
    } finally {
      await cleanup?.();
      await rm(root, { recursive: true, force: true });
    }
  });
});

interface CheckEntry {
  id: string;
  status: string;
  finding: string;
  fix: string | null;
  details: { code?: string } | null;
}
