import { startBenchStack } from '../lib/stack.mjs';
import { nginxVariant } from '../lib/nginx-variants.mjs';
import { readFileSync } from 'node:fs';
const s = await startBenchStack({ log: (l) => console.error(l), models: [{ model_name: 'bench-mock', litellm_params: { model: 'openai/bench-mock', mock_response: 'The quick brown fox jumps over the lazy dog today.' } }], env: { STANDIN_RECORD_REQUESTS: '0', STANDIN_KEY_CACHE_TTL_MS: '3600000' } });
const out = { dir: s.dir, project: s.projectName, nginx: s.nginxUrl, litellm: s.litellmUrl, variants: {} };
const conf = readFileSync(s.dir + '/nginx/nginx.conf', 'utf8');
for (const v of process.argv.slice(2)) out.variants[v] = await s.addNginx(v, nginxVariant(v, conf));
console.log(JSON.stringify(out));
