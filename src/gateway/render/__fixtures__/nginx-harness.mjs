// Runs inside a private network namespace next to a real nginx using the rendered nginx.conf.
// `upstreams` mode: LiteLLM-like (:4000) and Open WebUI-like (:8080) servers that record what reaches them.
// `client` mode: sends requests through nginx (:80) and prints what came back, as JSON.
import { createServer } from 'node:http';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { connect } from 'node:net';

const [mode, stateDir] = process.argv.slice(2);
const seenFile = `${stateDir}/seen.json`;

if (mode === 'upstreams') {
  const seen = [];
  const record = (service, req) => {
    seen.push({ service, method: req.method, url: req.url, forwardedFor: req.headers['x-forwarded-for'] ?? null, connection: req.headers.connection ?? null });
    writeFileSync(seenFile, JSON.stringify(seen));
  };
  const litellm = createServer((req, res) => {
    record('litellm', req);
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
  const webui = createServer((req, res) => {
    record('open-webui', req);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>open-webui</html>');
  });
  webui.on('upgrade', (req, socket) => {
    record('open-webui', req);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.end();
  });
  litellm.listen(4000, '127.0.0.1', () => webui.listen(8080, '127.0.0.1', () => writeFileSync(`${stateDir}/ready`, 'ok')));
} else {
  const base = 'http://127.0.0.1:80';
  const results = {};
  const plain = async (path, init = {}) => {
    const before = existsSync(seenFile) ? JSON.parse(readFileSync(seenFile, 'utf8')).length : 0;
    const response = await fetch(base + path, init);
    const body = await response.text();
    const after = existsSync(seenFile) ? JSON.parse(readFileSync(seenFile, 'utf8')) : [];
    return { status: response.status, type: response.headers.get('content-type'), body, reached: after.slice(before) };
  };
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
