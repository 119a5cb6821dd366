// One streamed chat completion, timed as the client sees it: when each Server-Sent Event arrives,
// relative to the moment the request was sent.
import http from 'node:http';
import https from 'node:https';

/**
 * @param {{url: string, headers: Record<string,string>, body: string, agent: http.Agent | https.Agent}} request (https: the agent carries the trust)
 * @returns {Promise<{ttfcMs: number, arrivalsMs: number[], events: string[]}>} arrivalsMs[i]: event i (the last is [DONE])
 */
export function timeStream({ url, headers, body, agent }) {
  return new Promise((resolve, reject) => {
    const arrivalsMs = [];
    const events = [];
    let pending = '';
    let started = 0n;
    const req = (url.startsWith('https:') ? https : http).request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`${url}: HTTP ${res.statusCode}`));
      }
      res.setEncoding('utf8');
      res.on('data', (text) => {
        const at = Number(process.hrtime.bigint() - started) / 1e6;
        pending += text;
        let end;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          events.push(pending.slice(0, end));
          arrivalsMs.push(at);
          pending = pending.slice(end + 2);
        }
      });
      res.on('end', () => {
        if (!events.length || events.at(-1) !== 'data: [DONE]') return reject(new Error(`${url}: the stream did not end with [DONE]`));
        resolve({ ttfcMs: arrivalsMs[0], arrivalsMs, events });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setNoDelay(true);
    started = process.hrtime.bigint();
    req.end(body);
  });
}
