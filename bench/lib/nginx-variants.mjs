// Variants of the rendered nginx.conf, each changing one tuning, so that `bench/data-path.mjs
// --variants ...` can measure what every setting buys against the shipped configuration, interleaved
// in the same run. Each transform must match the configuration it is given: a template change that
// makes a variant identical to the shipped file is an error, not a silent no-op.

function replaceAll(text, pattern, replacement, name) {
  pattern.lastIndex = 0;
  const found = pattern.test(text);
  pattern.lastIndex = 0;
  if (!found) throw new Error(`nginx variant "${name}": the rendered nginx.conf has nothing matching ${pattern}`);
  return text.replace(pattern, replacement);
}

/** The API locations: everything proxied to LiteLLM under /api/litellm/v1 (open, body, close). */
function apiLocationPattern() {
  return /(location ~ \^\/api\/litellm\/v1[^{]*\{)([^}]*)(\})/g;
}

function inApiLocations(text, name, edit) {
  return replaceAll(text, apiLocationPattern(), (_, open, body, close) => `${open}${edit(body)}${close}`, name);
}

export const NGINX_VARIANTS = {
  /** No connection reuse to LiteLLM: HTTP/1.0 and a new TCP connection per request (Nginx's default). */
  'upstream-keepalive-off': (conf) => {
    let out = replaceAll(conf, /(upstream \w+ \{)([^}]*)(\})/g, (_, open, body, close) => `${open}${body.replace(/^\s*keepalive(_timeout|_requests)? [^;]+;\n/gm, '')}${close}`, 'upstream-keepalive-off');
    out = inApiLocations(out, 'upstream-keepalive-off', (body) => body.replace(/^\s*proxy_http_version 1\.1;\n/m, '').replace(/^\s*proxy_set_header Connection "";\n/m, ''));
    return out;
  },
  /**
   * The upstreams as before 1.27.3's `resolve`: names resolved once when Nginx starts, no shared zone,
   * no resolver. What following containers to new addresses costs per request.
   */
  'upstream-static': (conf) => {
    let out = replaceAll(conf, /^\s*resolver(_timeout)? [^;]+;\n/gm, '', 'upstream-static');
    out = replaceAll(out, /(upstream \w+ \{)([^}]*)(\})/g, (_, open, body, close) => `${open}${body.replace(/^\s*zone [^;]+;\n/m, '').replace(/ resolve;/, ';')}${close}`, 'upstream-static');
    return out;
  },
  /** A larger idle pool per worker: 64 client connections on 2 workers can exceed 32 busy upstream connections. */
  'upstream-keepalive-128': (conf) => replaceAll(conf, /(upstream litellm_upstream \{[^}]*keepalive )\d+;/, '$1128;', 'upstream-keepalive-128'),
  /** PCRE's JIT for the regex locations and rewrites (Nginx's default is off). */
  'pcre-jit-on': (conf) => replaceAll(conf, /^(worker_processes [^;]+;\n)/m, '$1pcre_jit on;\n', 'pcre-jit-on'),
  /** Nginx's default response buffering on the API routes. */
  'proxy-buffering-on': (conf) => inApiLocations(conf, 'proxy-buffering-on', (body) => body.replace(/proxy_buffering off;/, 'proxy_buffering on;')),
  /** One write(2) per request to the log (stdout of the container, read by Docker's log driver). */
  'access-log-unbuffered': (conf) => replaceAll(conf, /^(\s*access_log \/var\/log\/nginx\/access\.log main)[^;]*;/m, '$1;', 'access-log-unbuffered'),
  /** Log lines collected in 64 KiB and written at least once a second. */
  'access-log-buffered': (conf) => replaceAll(conf, /^(\s*access_log \/var\/log\/nginx\/access\.log main)[^;]*;/m, '$1 buffer=64k flush=1s;', 'access-log-buffered'),
  /** No access log at all (the floor of what logging can cost). */
  'access-log-off': (conf) => replaceAll(conf, /^(\s*)access_log \/var\/log\/nginx\/access\.log main[^;]*;/m, '$1access_log off;', 'access-log-off'),
  /** One listening socket per worker (SO_REUSEPORT): the kernel spreads new connections evenly. */
  'listen-reuseport': (conf) => replaceAll(conf, /^(\s*listen 80 default_server);/m, '$1 reuseport;', 'listen-reuseport'),
  /** Response buffering back on for the API routes that never stream (models, embeddings, files ...). */
  'buffering-on-unstreamed': (conf) =>
    replaceAll(
      conf,
      /^([ \t]*)(location ~ \^\/api\/litellm\/v1\/\(chat[^{]*\{)([^}]*\})/m,
      (_, indent, open, body) =>
        `${indent}location ~ ^/api/litellm/v1/(models(/.+)?|embeddings|moderations|rerank|images/(generations|edits|variations)|files(/.*)?|batches(/.*)?)$ {${body.replace(/proxy_buffering off;/, 'proxy_buffering on;')}\n${indent}${open}${body}`,
      'buffering-on-unstreamed',
    ),
  'workers-1': (conf) => replaceAll(conf, /^worker_processes [^;]+;/m, 'worker_processes 1;', 'workers-1'),
  'workers-2': (conf) => replaceAll(conf, /^worker_processes [^;]+;/m, 'worker_processes 2;', 'workers-2'),
  'workers-auto': (conf) => replaceAll(conf, /^worker_processes [^;]+;/m, 'worker_processes auto;', 'workers-auto'),
};

export function nginxVariant(name, conf) {
  const transform = NGINX_VARIANTS[name];
  if (!transform) throw new Error(`unknown nginx variant "${name}"; known: ${Object.keys(NGINX_VARIANTS).join(', ')}`);
  const out = transform(conf);
  if (out === conf) throw new Error(`nginx variant "${name}" is the shipped configuration already`);
  return out;
}
