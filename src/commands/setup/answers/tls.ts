/**
 * Setup answers for HTTPS at Nginx: --tls-cert/--tls-key (a certificate the user has), --tls
 * self-signed (one made for this host), --tls off, --hsts and --http-redirect-port. The files
 * land in tls/ (cert.pem, key.pem, 600) through setup's atomic write plan, so a bad pair stops
 * setup before anything is written.
 */
import { hostname, networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { EnvError, UserError } from '../../../core/errors.js';
import { readFile, stat } from 'node:fs/promises';
import { ENV, TLS_MODES, type TlsMode, type TlsSettings } from '../../../gateway/settings.js';
import { coversHost, readPair, validity, type CertificateSummary } from '../../../gateway/tls.js';
import { checkPortText } from './ports.js';
import { oneOf, priorValue, suppliedWithSource, yesNoAnswer, type Resolver } from './resolver.js';

export interface TlsAnswer {
  settings: TlsSettings | null;
  redirectPort: number | undefined;
  /** New contents for tls/cert.pem and tls/key.pem; null keeps what is there (or there is nothing). */
  files: { cert: string; key: string } | null;
  /** The certificate that will be served (null without TLS). */
  certificate: CertificateSummary | null;
  /** A self-signed certificate was made by this run (the user must trust it again). */
  generated: boolean;
}

/** This host's names and addresses (injectable: tests have their own host). */
export interface HostIdentity {
  hostname: string;
  /** Non-loopback addresses of the network interfaces. */
  addresses: string[];
}

export function currentHostIdentity(): HostIdentity {
  const addresses: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) {
      if (entry.internal) continue;
      if (entry.family === 'IPv6' && /^fe80:/i.test(entry.address)) continue; // link-local: needs a zone, never in a URL
      addresses.push(entry.address);
    }
  }
  return { hostname: hostname(), addresses };
}

/** The names a self-signed certificate covers: localhost, the host name, loopback, and the bind address (every address for 0.0.0.0). */
export function selfSignedNames(bind: string, host: HostIdentity): string[] {
  const bare = bind.replace(/^\[(.*)\]$/, '$1');
  const wildcard = bare === '0.0.0.0' || bare === '::';
  const names = ['localhost', host.hostname.toLowerCase(), '127.0.0.1', '::1', ...(wildcard ? host.addresses : [bare])];
  return [...new Set(names.filter((n) => n !== ''))];
}

const SOURCE_HINT = 'Pass --tls-cert FILE --tls-key FILE (PEM: the certificate with its chain, and its unencrypted private key), or --tls self-signed.';

/** What the flags, variables and `.env` ask for, checked before any port probe (bad input is exit 2 first). */
export interface TlsChecked {
  mode: TlsMode;
  hsts: boolean;
  redirect: RedirectAsk | undefined;
  /** --tls-cert/--tls-key read and checked: the texts to copy and what they hold. */
  given: { cert: string; key: string; summary: CertificateSummary } | null;
}

export async function checkSuppliedTls(r: Resolver, context: { nginx: boolean; urlHost: string; existing: { cert: string | null; key: string | null } }): Promise<TlsChecked> {
  const certPath = suppliedWithSource(r, 'tlsCert', '--tls-cert', 'AI_GATEWAY_TLS_CERT');
  const keyPath = suppliedWithSource(r, 'tlsKey', '--tls-key', 'AI_GATEWAY_TLS_KEY');
  const modeGiven = suppliedWithSource(r, 'tls', '--tls', 'AI_GATEWAY_TLS');
  if ((certPath === undefined) !== (keyPath === undefined)) {
    const given = (certPath ?? keyPath) as { source: string };
    throw new UserError('TLS_PAIR_INCOMPLETE', `${given.source} was given without ${certPath ? '--tls-key (AI_GATEWAY_TLS_KEY)' : '--tls-cert (AI_GATEWAY_TLS_CERT)'}: HTTPS needs the certificate and its private key.`, {
      hint: SOURCE_HINT,
    });
  }
  let mode: TlsMode;
  if (modeGiven) {
    mode = oneOf(modeGiven.value === 'none' ? 'off' : modeGiven.value, TLS_MODES, 'TLS mode', modeGiven.source);
    if (certPath && mode !== 'files') {
      throw new UserError('TLS_CONFLICT', `${modeGiven.source} ${modeGiven.value} and --tls-cert/--tls-key ask for different certificates.`, { hint: 'Give either --tls-cert and --tls-key (your certificate) or --tls self-signed.' });
    }
    if (mode === 'files' && !certPath && (context.existing.cert === null || context.existing.key === null)) {
      throw new UserError('TLS_FILES_MISSING', `${modeGiven.source} files needs a certificate, and tls/ holds none yet.`, { hint: SOURCE_HINT });
    }
  } else if (certPath) mode = 'files';
  else mode = oneOf(priorValue(r, ENV.tls) ?? 'off', TLS_MODES, 'TLS mode', `${ENV.tls} in .env`);

  const hsts = resolveHsts(r);
  const redirect = resolveRedirectPort(r);
  if (mode === 'off') {
    if (hsts === true && (r.options.hsts === true || r.ctx.env.AI_GATEWAY_HSTS)) r.warnings.push('--hsts is ignored: HTTPS is off (give --tls-cert/--tls-key or --tls self-signed).');
    if (redirect?.explicit) r.warnings.push(`${redirect.source} is ignored: there is no HTTPS to redirect to.`);
    return { mode, hsts: false, redirect: undefined, given: null };
  }
  if (!context.nginx) {
    throw new UserError('TLS_NEEDS_NGINX', 'HTTPS is served by Nginx, and this gateway runs without it (--no-nginx / USE_NGINX=no).', {
      hint: 'Drop --no-nginx (Nginx in front is the default), or run setup without the TLS options.',
    });
  }
  if (!certPath || !keyPath) return { mode, hsts: hsts ?? false, redirect, given: null };

  const cert = await readUserFile(certPath.value, certPath.source, 'certificate');
  const key = await readUserFile(keyPath.value, keyPath.source, 'private key');
  r.ctx.out.addSecret(key.trim()); // the key's text never reaches output
  const pair = readPair(cert, key);
  if ('code' in pair) {
    const which = pair.code === 'TLS_CERT_INVALID' ? `${certPath.source} ${certPath.value}` : `${keyPath.source} ${keyPath.value}`;
    throw new UserError(pair.code, `${which}: ${pair.message}.`, { hint: SOURCE_HINT, details: { cert: certPath.value, key: keyPath.value } });
  }
  const leaf = pair.chain[0] as NonNullable<(typeof pair.chain)[0]>;
  const state = validity(leaf, r.ctx.clock.now());
  if (state.state === 'expired') {
    throw new UserError('TLS_CERT_EXPIRED', `${certPath.source} ${certPath.value} expired on ${pair.summary.validTo}; clients refuse it.`, { hint: `Renew it, then run setup again with the new files (${SOURCE_HINT.replace(/^Pass /, 'pass ')}` });
  }
  if (state.state === 'not-yet-valid') r.warnings.push(`The certificate is valid only from ${pair.summary.validFrom}: until then clients refuse it (is this machine's clock right?).`);
  if (state.state === 'expiring') r.warnings.push(`The certificate expires in ${state.daysLeft} days (${pair.summary.validTo}): renew it and run setup again with the new files.`);
  if (!coversHost(leaf, context.urlHost)) {
    r.warnings.push(`The certificate covers ${pair.summary.names.join(', ') || 'no names'}, not ${context.urlHost} (the host in the gateway's URLs): clients using ${context.urlHost} refuse it. Reach the gateway by a name it covers.`);
  }
  return { mode, hsts: hsts ?? false, redirect, given: { cert: ensureNewline(cert), key: ensureNewline(key), summary: pair.summary } };
}

/** The answer, once the ports are known: the redirect port checked against them and the host, a self-signed certificate made when needed. */
export async function resolveTls(
  r: Resolver,
  checked: TlsChecked,
  context: { bind: string; existing: { cert: string | null; key: string | null }; takenPorts: ReadonlySet<number>; host: HostIdentity; makeSelfSigned: (names: string[]) => Promise<{ certPem: string; keyPem: string }> },
): Promise<TlsAnswer> {
  if (checked.mode === 'off') return { settings: null, redirectPort: undefined, files: null, certificate: null, generated: false };
  const settings: TlsSettings = { mode: checked.mode, hsts: checked.hsts };
  let redirectPort: number | undefined;
  if (checked.redirect) {
    if (context.takenPorts.has(checked.redirect.port)) {
      throw new UserError('PORT_CONFLICT', `${checked.redirect.source} asks for port ${checked.redirect.port}, which another service of this gateway uses.`, { hint: 'Give the HTTP redirect its own port.' });
    }
    redirectPort = await checkRedirectPortFree(r, checked.redirect, context.bind);
  }
  if (checked.mode === 'files') {
    if (checked.given) return { settings, redirectPort, files: { cert: checked.given.cert, key: checked.given.key }, certificate: checked.given.summary, generated: false };
    // Reuse: the files setup copied before stay as they are (doctor checks them).
    return { settings, redirectPort, files: null, certificate: existingSummary(r, context.existing), generated: false };
  }

  // Self-signed: made once and kept while it is valid for a while and covers this host's names.
  const names = selfSignedNames(context.bind, context.host);
  const keep = priorValue(r, ENV.tls) === 'self-signed' ? reusableSelfSigned(r, context.existing, names) : null;
  if (keep) return { settings, redirectPort, files: null, certificate: keep, generated: false };
  const made = await context.makeSelfSigned(names);
  r.ctx.out.addSecret(made.keyPem.trim());
  const pair = readPair(made.certPem, made.keyPem);
  if ('code' in pair) throw new Error(`the self-signed certificate just made does not hold: ${pair.message}`);
  return { settings, redirectPort, files: { cert: made.certPem, key: made.keyPem }, certificate: pair.summary, generated: true };
}

function resolveHsts(r: Resolver): boolean | undefined {
  return yesNoAnswer(r, 'hsts', 'AI_GATEWAY_HSTS', ENV.hsts);
}

interface RedirectAsk {
  port: number;
  source: string;
  explicit: boolean;
}

function resolveRedirectPort(r: Resolver): RedirectAsk | undefined {
  const given = suppliedWithSource(r, 'httpRedirectPort', '--http-redirect-port', 'AI_GATEWAY_HTTP_REDIRECT_PORT');
  const prior = priorValue(r, ENV.httpRedirectPort);
  const ask = given ? { ...given, explicit: true } : prior !== undefined ? { value: prior, source: `${ENV.httpRedirectPort} in .env`, explicit: false } : undefined;
  if (!ask) return undefined;
  if (['off', 'no', 'none'].includes(ask.value.toLowerCase())) return undefined; // --http-redirect-port off: drop it
  const checked = checkPortText(ask.value);
  if (typeof checked === 'string') throw new UserError('INVALID_PORT', `${ask.source}: ${checked}.`, { hint: 'Pick a free port for plain HTTP, e.g. --http-redirect-port 8080 (or 80), or --http-redirect-port off.' });
  return { port: checked, source: ask.source, explicit: ask.explicit };
}

async function checkRedirectPortFree(r: Resolver, ask: RedirectAsk, bind: string): Promise<number> {
  if (ask.port < 1024) r.warnings.push(`Port ${ask.port} (HTTP redirect) is below 1024: rootless Docker and Podman cannot publish it.`);
  if (r.ourPorts.has(ask.port)) return ask.port;
  if ((await r.probes.probePort(ask.port, bind)) === 'busy') {
    throw new EnvError('PORT_IN_USE', `Port ${ask.port} on ${bind} (HTTP redirect, from ${ask.source}) is already in use.`, {
      hint: 'Pass --http-redirect-port with a free port, or stop what uses it.',
      details: { port: ask.port, bind, flag: '--http-redirect-port' },
    });
  }
  return ask.port;
}

/** A user's certificate or key file, read with a clear error for each way it can be wrong. */
async function readUserFile(path: string, source: string, what: string): Promise<string> {
  const absolute = resolve(path);
  let info;
  try {
    info = await stat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UserError('TLS_FILE_MISSING', `${source} ${path}: no such file (the ${what}).`, { hint: SOURCE_HINT });
    throw new EnvError('TLS_FILE_UNREADABLE', `${source} ${path}: cannot read the ${what} (${code ?? 'error'}).`, { hint: 'Run setup as a user who may read it, or copy it somewhere readable.', cause: error });
  }
  if (!info.isFile()) throw new UserError('TLS_FILE_NOT_A_FILE', `${source} ${path} is ${info.isDirectory() ? 'a directory' : 'not a regular file'}, not the ${what} file.`, { hint: SOURCE_HINT });
  if (info.size > 1024 * 1024) throw new UserError('TLS_CERT_INVALID', `${source} ${path} is ${info.size} bytes: not a PEM ${what}.`, { hint: SOURCE_HINT });
  try {
    return await readFile(absolute, 'utf8');
  } catch (error) {
    throw new EnvError('TLS_FILE_UNREADABLE', `${source} ${path}: cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, { hint: 'Run setup as a user who may read it, or copy it somewhere readable.', cause: error });
  }
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

function existingSummary(r: Resolver, existing: { cert: string | null; key: string | null }): CertificateSummary | null {
  if (existing.cert === null || existing.key === null) {
    throw new UserError('TLS_FILES_MISSING', `${ENV.tls}=files in .env, but tls/cert.pem or tls/key.pem is missing.`, { hint: SOURCE_HINT });
  }
  const pair = readPair(existing.cert, existing.key);
  if ('code' in pair) {
    r.warnings.push(`tls/cert.pem and tls/key.pem cannot be served: ${pair.message}. ${SOURCE_HINT}`);
    return null;
  }
  const state = validity(pair.chain[0] as NonNullable<(typeof pair.chain)[0]>, r.ctx.clock.now());
  if (state.state === 'expired') r.warnings.push(`tls/cert.pem expired on ${pair.summary.validTo}. ${SOURCE_HINT}`);
  else if (state.state === 'expiring') r.warnings.push(`tls/cert.pem expires in ${state.daysLeft} days: renew it and run setup again with the new files.`);
  return pair.summary;
}

/** The self-signed certificate in tls/ when it still fits: valid for another 30 days and covering every name. */
function reusableSelfSigned(r: Resolver, existing: { cert: string | null; key: string | null }, names: string[]): CertificateSummary | null {
  if (existing.cert === null || existing.key === null) return null;
  const pair = readPair(existing.cert, existing.key);
  if ('code' in pair) return null;
  const leaf = pair.chain[0] as NonNullable<(typeof pair.chain)[0]>;
  if (validity(leaf, r.ctx.clock.now()).state !== 'valid') return null;
  const missing = names.filter((name) => !coversHost(leaf, name));
  if (missing.length > 0) {
    r.warnings.push(`A new self-signed certificate was made: the old one does not cover ${missing.join(', ')}. Trust the new one again.`);
    return null;
  }
  return pair.summary;
}
