// The benchmark helpers (bench/lib): the table every bench reports into, the Nginx variants the
// data-path bench compares, and wrk's request script. No timing is asserted here: timings are
// benchmarks (npm run bench), not tests.
import { describe, expect, it } from 'vitest';
import { median, renderMarkdown, renderTable, summarize } from '../../bench/lib/rows.mjs';
import { NGINX_VARIANTS, nginxVariant } from '../../bench/lib/nginx-variants.mjs';
import { luaScript, luaString } from '../../bench/lib/wrk.mjs';
import { renderNginxConf } from '../../src/gateway/render/nginx.js';
import { capableNginx, nginxTest } from '../../src/testing/nginx-check.js';

describe('bench rows', () => {
  it('summarizes min / median / max and judges the median against the target', () => {
    const row = { bench: 'b', metric: 'm', unit: 'ratio' as const, samples: [0.95, 0.8, 1.0, 0.92, 0.85], target: { op: '>=' as const, value: 0.9 } };
    expect(summarize(row)).toEqual({ min: 0.8, median: 0.92, max: 1.0, n: 5, pass: true });
    expect(summarize({ ...row, target: { op: '>=', value: 0.93 } }).pass).toBe(false);
    expect(summarize({ ...row, target: { op: '<=', value: 0.92 } }).pass).toBe(true);
    expect(summarize({ ...row, target: undefined }).pass).toBeNull();
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('leaves out runs without a figure (NaN, Infinity) and fails a target with none left', () => {
    const row = { bench: 'b', metric: 'm', unit: 'ms' as const, samples: [NaN, 3, Infinity], target: { op: '<=' as const, value: 10 } };
    expect(summarize(row)).toMatchObject({ min: 3, median: 3, max: 3, n: 1, pass: true });
    expect(summarize({ ...row, samples: [NaN] })).toMatchObject({ n: 0, pass: false });
  });

  it('renders one aligned table (and a Markdown one) with units and verdicts', () => {
    const rows = [
      { bench: 'data-path', metric: 'req/s ratio', unit: 'ratio' as const, samples: [0.97, 0.99, 0.95], target: { op: '>=' as const, value: 0.9 } },
      { bench: 'data-path', metric: 'first chunk', unit: 'ms' as const, samples: [12, 14, 11], target: { op: '<=' as const, value: 10 } },
      { bench: 'cold-start', metric: 'setup', unit: 's' as const, samples: [1.5] },
    ];
    const text = renderTable(rows).split('\n');
    expect(text[0]).toMatch(/^bench\s+metric\s+target\s+min\s+median\s+max\s+runs\s+verdict$/);
    expect(text[2]).toMatch(/req\/s ratio\s+>= 0\.90x\s+0\.95x\s+0\.97x\s+0\.99x\s+3\s+ok$/);
    expect(text[3]).toMatch(/first chunk\s+<= 10\.0 ms\s+11\.0 ms\s+12\.0 ms\s+14\.0 ms\s+3\s+MISSED$/);
    expect(text[4]).toMatch(/setup\s+1\.50 s\s+1\.50 s\s+1\.50 s\s+1$/);
    const md = renderMarkdown(rows).split('\n');
    expect(md[0]).toBe('| bench | metric | target | min | median | max | runs | verdict |');
    expect(md[3]).toContain('| **missed** |');
  });
});

describe('Nginx variants of the rendered nginx.conf', () => {
  const shipped = renderNginxConf();
  const names = Object.keys(NGINX_VARIANTS);

  it('each changes the shipped file, or says that the shipped file already has it', () => {
    for (const name of names) {
      let variant: string;
      try {
        variant = nginxVariant(name, shipped);
      } catch (err) {
        expect(String((err as Error).message), name).toBe(`nginx variant "${name}" is the shipped configuration already`);
        continue;
      }
      expect(variant, name).not.toBe(shipped);
    }
    expect(() => nginxVariant('no-such-variant', shipped)).toThrow(/unknown nginx variant "no-such-variant"; known: upstream-keepalive-off/);
  });

  it('changes only what its name says', () => {
    const off = nginxVariant('upstream-keepalive-off', shipped);
    expect(off).not.toMatch(/upstream litellm_upstream \{[^}]*keepalive/);
    expect(off).toContain('keepalive_timeout 65;'); // the clients' keep-alive is not the upstream's
    const fixed = nginxVariant('upstream-static', shipped);
    expect(fixed).not.toMatch(/^\s*(resolver|resolver_timeout|zone) |resolve;/m);
    expect(fixed).toMatch(/upstream litellm_upstream \{\s*server litellm:4000;\s*keepalive 32;/);
    const buffered = nginxVariant('proxy-buffering-on', shipped);
    expect(buffered.match(/proxy_buffering on;/g)?.length).toBe(shipped.match(/location ~ \^\/api\/litellm\/v1/g)?.length);
    const split = nginxVariant('buffering-on-unstreamed', shipped);
    expect(split).toMatch(/location ~ \^\/api\/litellm\/v1\/\(models[^{]*\{[^}]*proxy_buffering on;[^}]*\}\s+location ~ \^\/api\/litellm\/v1\/\(chat[^{]*\{[^}]*proxy_buffering off;/);
  });

  // Each variant must load in Nginx, or the data-path bench would fail at container start.
  const nginx = capableNginx();
  it.skipIf('skip' in nginx)('every variant is accepted by nginx -t', async () => {
    const configs: Record<string, string> = {};
    for (const name of names) {
      try {
        configs[name] = nginxVariant(name, shipped);
      } catch {
        continue; // the shipped file: covered by src/gateway/render/render.test.ts
      }
    }
    const { stderr } = await nginxTest(configs, { quiet: true });
    expect(stderr).not.toMatch(/emerg|failed/);
  });
  if ('skip' in nginx) it.skip(`nginx -t of the variants skipped: ${nginx.skip}`, () => {});
});

describe('wrk request script', () => {
  it('quotes any value as a Lua long string the value cannot close', () => {
    expect(luaString('plain')).toBe('[=[plain]=]');
    expect(luaString('a]=]b')).toBe('[==[a]=]b]==]');
  });

  it('sets method, body and headers (never wrk arguments) and reports the figures as one JSON line', () => {
    const lua = luaScript({ method: 'POST', body: '{"model":"m"}', headers: { Authorization: 'Bearer sk-x' } });
    expect(lua).toContain('wrk.method = [=[POST]=]');
    expect(lua).toContain('wrk.body = [=[{"model":"m"}]=]');
    expect(lua).toContain('wrk.headers[ [=[Authorization]=] ] = [=[Bearer sk-x]=]'); // "[[" would open a long string
    expect(lua).toMatch(/done = function\(summary, latency, requests\)[\s\S]*WRK_JSON/);
    expect(lua).not.toContain('delay');
  });

  it('paces each connection with a delay after every answer when asked', () => {
    expect(luaScript({ method: 'GET', headers: {}, delayMs: 45.6 })).toContain('delay = function() return 46 end');
  });
});
