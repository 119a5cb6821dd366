#!/usr/bin/env node
// A stand-in for Open WebUI (ghcr.io/open-webui/open-webui:main) with the interface our compose
// stack relies on: port 8080 (PORT), GET /health → {"status":true}, the OpenAI connection from
// OPENAI_API_BASE_URL + OPENAI_API_KEY, WebSockets under /ws/socket.io/, data in /app/backend/data.
// Sign-up as upstream's backend/open_webui/routers/auths.py does it: the first account becomes
// "admin" and sign-up then turns itself off (ENABLE_SIGNUP, a setting kept in its database); when
// an admin turns it back on, later accounts get DEFAULT_USER_ROLE ("pending" by default). Users
// survive restarts (the data volume), as webui.db does.
//
// Plain ESM, no dependencies, Node 18+. Use in-process with startOpenWebUIStandin() or run as main.

import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'; // RFC 6455 §1.3

/**
 * @typedef {object} OpenWebUIOptions
 * @property {number} [port] default 8080 (0 = random)
 * @property {string} [host] default 0.0.0.0
 * @property {string} [openaiApiBaseUrl] OPENAI_API_BASE_URL
 * @property {string} [openaiApiKey] OPENAI_API_KEY
 * @property {string} [webuiSecretKey] WEBUI_SECRET_KEY
 * @property {string|null} [dataDir] default /app/backend/data; null = do not touch the disk
 * @property {boolean} [enableSignup] ENABLE_SIGNUP on first boot (default true; later the stored value wins)
 * @property {string} [defaultUserRole] DEFAULT_USER_ROLE on first boot (default "pending")
 * @property {(line: string) => void} [log]
 */

/**
 * Start the stand-in; resolves once it listens.
 * @param {OpenWebUIOptions} [input]
 */
export async function startOpenWebUIStandin(input = {}) {
  const options = { port: 8080, host: '0.0.0.0', dataDir: '/app/backend/data', ...input };
  const log = options.log ?? (() => {});
  const state = { options, log, requests: [], dataFileWritten: null, sockets: new Set(), db: null, sessions: new Map() };
  if (options.dataDir) state.dataFileWritten = writeBootMarker(options.dataDir);
  state.db = loadDatabase(options);

  const server = http.createServer((req, res) => handle(state, req, res));
  server.on('upgrade', (req, socket) => upgradeToWebSocket(state, req, socket));
  server.on('connection', (s) => {
    state.sockets.add(s);
    s.on('close', () => state.sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(undefined));
  });
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    port,
    url: `http://${host}:${port}`,
    requests: state.requests,
    dataFile: state.dataFileWritten,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve(undefined));
        for (const s of state.sockets) s.destroy();
      }),
  };
}

/** Prove the data volume is writable, as the real app does when it creates webui.db. */
function writeBootMarker(dataDir) {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'standin-boot.json');
  const previous = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : { boots: 0 };
  fs.writeFileSync(file, JSON.stringify({ boots: previous.boots + 1, last_boot: new Date().toISOString() }) + '\n');
  return file;
}

async function handle(state, req, res) {
  const url = new URL(req.url ?? '/', 'http://standin');
  state.requests.push({ method: req.method, path: url.pathname, at: new Date() });
  res.on('finish', () => state.log(`INFO:     ${req.socket.remoteAddress ?? '-'} - "${req.method} ${url.pathname} HTTP/${req.httpVersion}" ${res.statusCode}`));
  try {
    if (req.method === 'GET' && url.pathname === '/health') return json(res, 200, { status: true });
    if (req.method === 'GET' && url.pathname === '/api/config') return json(res, 200, publicConfig(state.options));
    if (req.method === 'GET' && url.pathname === '/api/models') return await proxyModels(state.options, res);
    if (req.method === 'GET' && url.pathname.startsWith('/ws/socket.io')) return engineIoHandshake(url, res);
    if (req.method === 'POST' && url.pathname === '/api/v1/auths/signup') return signup(state, await readJson(req), res);
    if (req.method === 'GET' && url.pathname === '/api/v1/auths/') return sessionUser(state, req, res);
    if (url.pathname === '/api/v1/auths/admin/config') return await adminConfig(state, req, res);
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) return html(res, indexPage());
    return json(res, 404, { detail: 'Not Found' });
  } catch (err) {
    return json(res, 500, { detail: String(err?.message ?? err) });
  }
}

// ---------------------------------------------------------------------------------------------
// Accounts: upstream's sign-up rules and error texts (open_webui/constants.py ERROR_MESSAGES)
// ---------------------------------------------------------------------------------------------

const ERROR_MESSAGES = {
  ACCESS_PROHIBITED: 'You do not have permission to access this resource. Please contact your administrator for assistance.',
  EMAIL_TAKEN: 'Uh-oh! This email is already registered. Sign in with your existing account or choose another email to start anew.',
  INVALID_EMAIL_FORMAT: "The email format you entered is invalid. Please double-check and make sure you're using a valid email address (e.g., yourname@example.com).",
  INVALID_TOKEN: 'Your session has expired or the token is invalid. Please sign in again.',
  NOT_AUTHENTICATED: 'Not authenticated',
};

/** The users and the settings Open WebUI keeps in its database (webui.db in the data volume). */
function loadDatabase(options) {
  const fresh = { users: [], config: { ENABLE_SIGNUP: options.enableSignup ?? true, DEFAULT_USER_ROLE: options.defaultUserRole ?? 'pending' } };
  if (!options.dataDir) return fresh;
  const file = path.join(options.dataDir, 'standin-webui.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : fresh;
}

function saveDatabase(state) {
  if (!state.options.dataDir) return;
  const file = path.join(state.options.dataDir, 'standin-webui.json');
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(state.db) + '\n', { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  } catch {
    return null;
  }
}

/** POST /api/v1/auths/signup: the first account is "admin", and sign-up is then switched off. */
function signup(state, form, res) {
  const { db } = state;
  const hasUsers = db.users.length > 0;
  if (!db.config.ENABLE_SIGNUP) return json(res, 403, { detail: ERROR_MESSAGES.ACCESS_PROHIBITED });
  if (!form || typeof form.email !== 'string' || typeof form.password !== 'string' || typeof form.name !== 'string') {
    return json(res, 422, { detail: [{ type: 'missing', loc: ['body'], msg: 'Field required' }] });
  }
  const email = form.email.toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) return json(res, 400, { detail: ERROR_MESSAGES.INVALID_EMAIL_FORMAT });
  if (db.users.some((u) => u.email === email)) return json(res, 400, { detail: ERROR_MESSAGES.EMAIL_TAKEN });
  const role = hasUsers ? db.config.DEFAULT_USER_ROLE : 'admin';
  const salt = crypto.randomBytes(16);
  const user = {
    id: crypto.randomUUID(),
    email,
    name: form.name,
    role,
    profile_image_url: form.profile_image_url ?? '/user.png',
    password: `scrypt:${salt.toString('hex')}:${crypto.scryptSync(form.password, salt, 32).toString('hex')}`,
    created_at: Math.floor(Date.now() / 1000),
  };
  db.users.push(user);
  if (!hasUsers) db.config.ENABLE_SIGNUP = false; // upstream: "Disable signup after the first user is created"
  saveDatabase(state);
  const token = crypto.randomBytes(24).toString('base64url');
  state.sessions.set(token, user.id);
  res.setHeader('set-cookie', `token=${token}; HttpOnly; Path=/; SameSite=lax`);
  return json(res, 200, sessionBody(user, token));
}

function sessionBody(user, token) {
  return { token, token_type: 'Bearer', expires_at: null, id: user.id, email: user.email, name: user.name, role: user.role, profile_image_url: user.profile_image_url, permissions: {} };
}

/** The signed-in user, or null after answering 401 (no token, or one it did not issue). */
function currentUser(state, req, res) {
  const header = String(req.headers.authorization ?? '');
  const token = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : /(?:^|;\s*)token=([^;]+)/.exec(String(req.headers.cookie ?? ''))?.[1];
  if (!token) {
    json(res, 401, { detail: ERROR_MESSAGES.NOT_AUTHENTICATED });
    return null;
  }
  const user = state.db.users.find((u) => u.id === state.sessions.get(token));
  if (!user) {
    json(res, 401, { detail: ERROR_MESSAGES.INVALID_TOKEN });
    return null;
  }
  return { user, token };
}

/** GET /api/v1/auths/: who the token belongs to, with their role. */
function sessionUser(state, req, res) {
  const session = currentUser(state, req, res);
  if (session) json(res, 200, sessionBody(session.user, session.token));
}

/** GET/POST /api/v1/auths/admin/config (admins only): ENABLE_SIGNUP and DEFAULT_USER_ROLE. */
async function adminConfig(state, req, res) {
  const session = currentUser(state, req, res);
  if (!session) return;
  if (session.user.role !== 'admin') return json(res, 401, { detail: ERROR_MESSAGES.ACCESS_PROHIBITED });
  if (req.method === 'POST') {
    const form = (await readJson(req)) ?? {};
    if (typeof form.ENABLE_SIGNUP === 'boolean') state.db.config.ENABLE_SIGNUP = form.ENABLE_SIGNUP;
    if (['pending', 'user', 'admin'].includes(form.DEFAULT_USER_ROLE)) state.db.config.DEFAULT_USER_ROLE = form.DEFAULT_USER_ROLE;
    saveDatabase(state);
  } else if (req.method !== 'GET') {
    return json(res, 405, { detail: 'Method Not Allowed' });
  }
  return json(res, 200, { ...state.db.config });
}

/** Whether secrets are set, never their values. */
function publicConfig(options) {
  return {
    name: 'Open WebUI (stand-in)',
    version: '0.6.0-standin',
    openai_api_base_url: options.openaiApiBaseUrl ?? null,
    has_openai_api_key: Boolean(options.openaiApiKey),
    webui_secret_key_set: Boolean(options.webuiSecretKey),
  };
}

/** GET {OPENAI_API_BASE_URL}/models with the configured key; pass the upstream's failure through. */
async function proxyModels(options, res) {
  if (!options.openaiApiBaseUrl) return json(res, 503, { detail: 'OPENAI_API_BASE_URL is not set' });
  const target = options.openaiApiBaseUrl.replace(/\/+$/, '') + '/models';
  let upstream;
  try {
    upstream = await fetch(target, { headers: options.openaiApiKey ? { authorization: `Bearer ${options.openaiApiKey}` } : {} });
  } catch (err) {
    return json(res, 502, { detail: `Open WebUI could not reach ${target}: ${err?.cause?.code ?? err.message}` });
  }
  const text = await upstream.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { detail: text };
  }
  if (!upstream.ok) return json(res, upstream.status, body);
  return json(res, 200, { data: Array.isArray(body?.data) ? body.data : [] });
}

/** Engine.IO polling handshake, so a socket.io client's first request does not 404. */
function engineIoHandshake(url, res) {
  if (url.searchParams.get('transport') !== 'polling') return json(res, 400, { code: 3, message: 'Bad request' });
  const open = { sid: crypto.randomBytes(10).toString('base64url'), upgrades: ['websocket'], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1000000 };
  res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' });
  res.end('0' + JSON.stringify(open));
}

function json(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function html(res, body) {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function indexPage() {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Open WebUI</title></head>
<body><div id="app"><h1>Open WebUI (stand-in)</h1><p>Chat UI placeholder for the ai-gateway test bed.</p></div></body></html>`;
}

// ---------------------------------------------------------------------------------------------
// WebSocket: RFC 6455 handshake and an echo of text frames (enough to prove Nginx upgrades work)
// ---------------------------------------------------------------------------------------------

function upgradeToWebSocket(state, req, socket) {
  const key = req.headers['sec-websocket-key'];
  const isWebSocket = String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
  state.requests.push({ method: req.method, path: (req.url ?? '/').split('?')[0], upgrade: true, at: new Date() });
  if (!isWebSocket || typeof key !== 'string') {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    return;
  }
  const accept = crypto.createHash('sha1').update(key + WS_GUID).digest('base64');
  socket.write(['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`, '', ''].join('\r\n'));
  state.log(`INFO:     ${req.socket.remoteAddress ?? '-'} - "WebSocket ${(req.url ?? '/').split('?')[0]}" [accepted]`);
  socket.setNoDelay(true);
  let buffered = Buffer.alloc(0);
  socket.on('data', (data) => {
    buffered = Buffer.concat([buffered, data]);
    for (;;) {
      const frame = readFrame(buffered);
      if (!frame) break;
      buffered = buffered.subarray(frame.length);
      onFrame(socket, frame);
    }
  });
  socket.on('error', () => socket.destroy());
}

/** Parse one (client, hence masked) frame; null when more bytes are needed. */
export function readFrame(buf) {
  if (buf.length < 2) return null;
  const opcode = buf[0] & 0x0f;
  const masked = (buf[1] & 0x80) !== 0;
  let len = buf[1] & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return null;
    len = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  const maskLen = masked ? 4 : 0;
  if (buf.length < offset + maskLen + len) return null;
  const mask = masked ? buf.subarray(offset, offset + 4) : null;
  const payload = Buffer.from(buf.subarray(offset + maskLen, offset + maskLen + len));
  if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
  return { fin: (buf[0] & 0x80) !== 0, opcode, payload, length: offset + maskLen + len };
}

/** Build one frame; clients must mask (mask=true), servers must not. */
export function encodeFrame(opcode, payload, mask = false) {
  const len = payload.length;
  const header = [0x80 | opcode];
  const maskBit = mask ? 0x80 : 0;
  if (len < 126) header.push(maskBit | len);
  else if (len < 65536) header.push(maskBit | 126, (len >> 8) & 0xff, len & 0xff);
  else {
    header.push(maskBit | 127);
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(len));
    header.push(...big);
  }
  if (!mask) return Buffer.concat([Buffer.from(header), payload]);
  const key = crypto.randomBytes(4);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i] ^= key[i % 4];
  return Buffer.concat([Buffer.from(header), key, masked]);
}

function onFrame(socket, frame) {
  switch (frame.opcode) {
    case 0x1: // text: echo
      socket.write(encodeFrame(0x1, frame.payload));
      break;
    case 0x9: // ping → pong
      socket.write(encodeFrame(0xa, frame.payload));
      break;
    case 0x8: // close → close back
      socket.end(encodeFrame(0x8, frame.payload.subarray(0, 2)));
      break;
    default:
      break; // binary, pong, continuation: ignored
  }
}

// ---------------------------------------------------------------------------------------------
// Main: the container entrypoint
// ---------------------------------------------------------------------------------------------

function isMain() {
  if (!process.argv[1]) return false;
  try {
    return fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const env = process.env;
  const out = (line) => process.stdout.write(line + '\n');
  startOpenWebUIStandin({
    port: Number(env.PORT ?? 8080),
    host: env.HOST ?? '0.0.0.0',
    openaiApiBaseUrl: env.OPENAI_API_BASE_URL,
    openaiApiKey: env.OPENAI_API_KEY,
    webuiSecretKey: env.WEBUI_SECRET_KEY,
    dataDir: env.DATA_DIR ?? '/app/backend/data',
    enableSignup: env.ENABLE_SIGNUP === undefined ? undefined : env.ENABLE_SIGNUP.toLowerCase() === 'true',
    defaultUserRole: env.DEFAULT_USER_ROLE,
    log: out,
  }).then(
    (handle) => {
      out(`INFO:     Open WebUI stand-in listening on port ${handle.port} (data: ${handle.dataFile ?? 'none'})`);
      out(`INFO:     OPENAI_API_BASE_URL=${env.OPENAI_API_BASE_URL ?? '(unset)'} OPENAI_API_KEY ${env.OPENAI_API_KEY ? 'set' : 'unset'} WEBUI_SECRET_KEY ${env.WEBUI_SECRET_KEY ? 'set' : 'unset'}`);
      // PID 1 in a container: stop promptly on SIGTERM/SIGINT.
      const stop = (signal) => {
        out(`INFO:     Shutting down (${signal})`);
        setTimeout(() => process.exit(0), 1000).unref();
        handle.close().then(() => process.exit(0));
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    },
    (err) => {
      process.stderr.write(`${err?.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
