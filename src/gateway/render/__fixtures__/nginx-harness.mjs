// Runs inside a private network namespace next to a real nginx using the rendered nginx.conf.
// `upstreams` mode: a stand-in for Docker's embedded DNS on 127.0.0.11:53 (answers from dns.json,
// re-read on every query), LiteLLM-like servers on 127.0.0.2:4000 and 127.0.0.3:4000 (the address a
// recreated container comes back on) and an Open WebUI-like server on 127.0.0.2:8080, all recording
// what reaches them. The Open WebUI one copies Open WebUI's /openai/{path} proxy: the path decoded
// once (Starlette), joined to the LiteLLM base URL, dot segments resolved by the HTTP client.
// `client` mode: sends requests through nginx (:80) and prints what came back, as JSON.
import { createServer, request } from 'node:http';
import { createSocket } from 'node:dgram';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { connect } from 'node:net';

const [mode, stateDir] = process.argv.slice(2);
const seenFile = `${stateDir}/seen.json`;
const dnsFile = `${stateDir}/dns.json`;
const names = () => JSON.parse(readFileSync(dnsFile, 'utf8'));

/**
 * The smallest DNS server nginx's resolver needs: one question in, A records for the names in
 * dns.json (TTL 600, like Docker's), NXDOMAIN for others, an empty answer for other types.
 * A test double for Docker's resolver, not a DNS implementation: no compression on input, no EDNS.
 */
function answer(query) {
  let at = 12;
  const labels = [];
  while (query[at]) {
    labels.push(query.subarray(at + 1, at + 1 + query[at]).toString('latin1'));
    at += query[at] + 1;
  }
  const question = query.subarray(12, at + 5);
  const type = query.readUInt16BE(at + 1);
  const address = names()[labels.join('.').toLowerCase()];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(address ? 0x8180 : 0x8183, 2); // response, recursion available; rcode 3 = NXDOMAIN
  header.writeUInt16BE(1, 4);
  const records = [];
  if (address && type === 1) {
    const record = Buffer.alloc(16);
    record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question
    record.writeUInt16BE(1, 2); // A
    record.writeUInt16BE(1, 4); // IN
    record.writeUInt32BE(600, 6);
    record.writeUInt16BE(4, 10);
    address.split('.').forEach((octet, i) => record.writeUInt8(Number(octet), 12 + i));
    records.push(record);
  }
  header.writeUInt16BE(records.length, 6);
  return Buffer.concat([header, question, ...records]);
}

if (mode === 'upstreams') {
  const seen = [];
  const record = (service, req, via = null) => {
    seen.push({ service, method: req.method, url: req.url, forwardedFor: req.headers['x-forwarded-for'] ?? null, connection: req.headers.connection ?? null, peer: req.socket.remotePort, via });
    writeFileSync(seenFile, JSON.stringify(seen));
  };
  const dns = createSocket('udp4');
  dns.on('message', (query, from) => dns.send(answer(query), from.port, from.address));
  const litellmAt = (service) => createServer((req, res) => {
    record(service, req, req.headers['x-via'] ?? null);
    req.resume();
    req.on('end', () => {
      if (req.url.startsWith('/v1/chat/completions') && req.headers['x-stream'] === '1') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let n = 0;
        const timer = setInterval(() => {
          res.write(`data: {"chunk":${n}}\n\n`);
          if (++n === 4) {
            clearInterval(timer);
            res.end('data: [DONE]\n\n');
          }
        }, 150);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ upstream: 'litellm', url: req.url }));
    });
  });
  const litellm = litellmAt('litellm');
  const litellmMoved = litellmAt('litellm@127.0.0.3');
  const webui = createServer((req, res) => {
    record('open-webui', req);
    if (req.url.startsWith('/openai/')) return openaiProxy(req, res);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>open-webui</html>');
  });
  // Open WebUI's /openai/{path}: Starlette decodes the path once; the proxy appends it to the
  // LiteLLM base URL and its HTTP client resolves "..". A raw ".." or "%2e%2e" that got this far
  // would walk out of /v1 to LiteLLM's admin routes, with Open WebUI's key.
  const openaiProxy = (req, res) => {
    let path;
    try {
      path = decodeURIComponent(req.url.split('?')[0]).slice('/openai/'.length);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const target = new URL(`http://${names().litellm}:4000/v1/${path}`);
    const upstream = request(target, { method: req.method, headers: { 'x-via': 'open-webui' } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    upstream.end();
  };
  webui.on('upgrade', (req, socket) => {
    record('open-webui', req);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.end();
  });
  dns.bind(53, '127.0.0.11', () =>
    litellm.listen(4000, '127.0.0.2', () => litellmMoved.listen(4000, '127.0.0.3', () => webui.listen(8080, '127.0.0.2', () => writeFileSync(`${stateDir}/ready`, 'ok')))),
  );
} else if (mode === 'direct') {
  // What the Open WebUI stand-in would do with a raw traversal if Nginx passed it on (proves the
  // proxy above is a real danger, so the Nginx test below can fail).
  process.stdout.write(JSON.stringify(await raw(8080, '/openai/%2e%2e/%2e%2e/key/generate', '127.0.0.2')));
} else {
  const base = 'http://127.0.0.1:80';
  const results = {};
  const seenCount = () => (existsSync(seenFile) ? JSON.parse(readFileSync(seenFile, 'utf8')).length : 0);
  const reachedSince = (before) => (existsSync(seenFile) ? JSON.parse(readFileSync(seenFile, 'utf8')) : []).slice(before);
  const plain = async (path, init = {}) => {
    const before = seenCount();
    const response = await fetch(base + path, init);
    const body = await response.text();
    return { status: response.status, type: response.headers.get('content-type'), body, reached: reachedSince(before) };
  };
  /** Polls `path` until an answer reaches `service`; how long that took and the statuses on the way. */
  const until = async (path, service) => {
    const started = Date.now();
    const statuses = [];
    while (Date.now() - started < 30_000) {
      const answer = await plain(path);
      statuses.push(answer.status);
      if (answer.status === 200 && answer.reached.some((r) => r.service === service)) return { ms: Date.now() - started, statuses: [...new Set(statuses)] };
      await new Promise((r) => setTimeout(r, 250));
    }
    return { ms: null, statuses: [...new Set(statuses)] };
  };

  // Nginx started while open-webui did not resolve: / answers 502 until the name appears in DNS.
  results.unresolved = await plain('/');
  writeFileSync(dnsFile, JSON.stringify({ ...names(), 'open-webui': '127.0.0.2' }));
  results.appeared = await until('/', 'open-webui');
  for (const path of [
    '/health',
    '/api/litellm/v1/models',
    '/api/litellm/v1/models/openai/gpt-4o',
    '/api/litellm/health/liveliness',
    '/api/litellm/health/readiness',
    '/api/litellm/key/generate',
    '/api/litellm/v1/key/generate',
    '/api/litellm/team/new',
    '/api/litellm/user/new',
    '/api/litellm/spend/logs',
    '/api/litellm/config/update',
    '/api/litellm/model/new',
    '/api/litellm/ui',
    '/api/litellm/metrics',
    '/api/litellm/openapi.json',
    '/api/litellm/v1/chat/completions/../../key/list',
    '/api/litellm',
    '/api/litellm/health',
    '/',
  ]) {
    results[`GET ${path}`] = await plain(path);
  }
  results['POST /api/litellm/v1/chat/completions?x=1'] = await plain('/api/litellm/v1/chat/completions?x=1', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  results['POST /api/litellm/v1/messages'] = await plain('/api/litellm/v1/messages', { method: 'POST', body: '{}' });
  results['POST /api/litellm/v1/openai/deployments/gpt-4o/chat/completions'] = await plain('/api/litellm/v1/openai/deployments/gpt-4o/chat/completions', { method: 'POST', body: '{}' });
  results['POST /api/litellm/model/new'] = await plain('/api/litellm/model/new', { method: 'POST', body: '{}' });

  // Paths for Open WebUI, sent verbatim (fetch would normalise them first).
  for (const path of [
    '/openai/models',
    '/openai/../key/generate',
    '/openai/../../key/generate',
    '/openai/%2e%2e/%2e%2e/key/generate',
    '/openai/%2E%2E%2F%2E%2E%2Fkey%2Fgenerate',
    '/openai/..%2f..%2fkey/generate',
    '/openai/.%2e/.%2e/key/generate',
    '/openai/models/%2e%2e%5c%2e%2e%5ckey%5cgenerate',
    '/openai/%252e%252e/%252e%252e/key/generate',
    '/openai/%25%32%65%25%32%65/%25%32%65%25%32%65/key/generate',
    '/api/v1/chats/?q=a%2Fb',
  ]) {
    const before = seenCount();
    const answer = await raw(80, path);
    await new Promise((r) => setTimeout(r, 50)); // the proxied hop's record lands just after the answer
    results[`RAW ${path}`] = { status: answer.status, reached: reachedSince(before) };
  }

  // Keep-alive to the upstream survives `resolve`: five requests on one client connection use one upstream connection.
  const pooled = [];
  for (let i = 0; i < 5; i++) pooled.push(...(await plain('/api/litellm/v1/models')).reached);
  results.keepalive = { peers: [...new Set(pooled.map((r) => r.peer))].length, requests: pooled.length };

  // LiteLLM comes back on another address: Nginx follows once the DNS answer changes.
  writeFileSync(dnsFile, JSON.stringify({ ...names(), litellm: '127.0.0.3' }));
  results.moved = await until('/api/litellm/v1/models', 'litellm@127.0.0.3');

  // Streaming: each chunk must arrive when the upstream sends it, not all at the end.
  const started = Date.now();
  const response = await fetch(`${base}/api/litellm/v1/chat/completions`, { method: 'POST', body: '{}', headers: { 'x-stream': '1' } });
  const arrivals = [];
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    const text = decoder.decode(chunk);
    for (const line of text.split('\n').filter((l) => l.startsWith('data:'))) arrivals.push({ line, at: Date.now() - started });
  }
  results.stream = { status: response.status, arrivals };

  // WebSocket upgrade through to Open WebUI.
  results.websocket = await new Promise((done) => {
    const socket = connect(80, '127.0.0.1', () => {
      socket.write('GET /ws/socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    });
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('close', () => done(data.split('\r\n')[0]));
    socket.setTimeout(3000, () => socket.destroy());
  });
  process.stdout.write(JSON.stringify(results));
}

/** One request with the path exactly as given; resolves the status line's code. */
function raw(port, path, host = '127.0.0.1') {
  return new Promise((done, fail) => {
    const socket = connect(port, host, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('error', fail);
    socket.on('close', () => done({ status: Number(data.split(' ')[1]), body: data.slice(data.indexOf('\r\n\r\n') + 4) }));
  });
}
