import { BenchStack } from '/work/main/bench/lib/stack.mjs';
import { wrkRun } from '/work/main/bench/lib/wrk.mjs';
import { timeStream } from '/work/main/bench/lib/stream.mjs';
import { parse } from 'dotenv';
import { readFileSync } from 'node:fs';
import http from 'node:http';
const [dir, project] = process.argv.slice(2);
const s = new BenchStack(dir, project, {});
s.env = parse(readFileSync(dir + '/.env', 'utf8'));
const vk = await s.createVirtualKey({ key_alias: 'dbg-' + Date.now() });
const chat = { method: 'POST', body: JSON.stringify({ model: 'bench-mock', messages: [{ role: 'user', content: 'x' }] }), headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${s.masterKey}` } };
const models = { method: 'GET', headers: { Authorization: `Bearer ${vk}` } };
for (let i = 0; i < 2; i++) {
  for (const [n, base] of [['nginx', s.nginxUrl + '/api/litellm'], ['direct', s.litellmUrl]]) {
    const a = await wrkRun({ url: base + '/v1/chat/completions', ...chat, durationS: 3, scratchDir: '/tmp' });
    const b = await wrkRun({ url: base + '/v1/models', ...models, durationS: 3, scratchDir: '/tmp' });
    console.log(n, 'chat', a.rps.toFixed(0), a.p50Ms, a.p99Ms, '| models', b.rps.toFixed(0), b.p50Ms, b.p99Ms);
  }
}
const agent = new http.Agent({ keepAlive: true });
for (const [n, base] of [['nginx', s.nginxUrl + '/api/litellm'], ['direct', s.litellmUrl]]) {
  const r = await timeStream({ url: base + '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: `Bearer ${s.masterKey}` }, body: JSON.stringify({ model: 'bench-mock', stream: true, messages: [{ role: 'user', content: 'x' }] }), agent });
  console.log(n, r.arrivalsMs.map((x) => x.toFixed(1)).join(' '));
}
agent.destroy();
