/**
 * The certificate Nginx serves (tls/cert.pem, tls/key.pem): reading a PEM pair, what it covers and
 * until when, and the findings `setup` refuses and `doctor` reports. X.509 parsing, the key match
 * (checkPrivateKey), host/IP matching (checkHost/checkIP, RFC 6125 rules) and signature checks
 * are node:crypto's; nothing here parses ASN.1 itself.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

/** A certificate this close to its end is a warning in doctor (and setup renews a self-signed one). */
export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** DNS names and IP addresses of subjectAltName (the CN only when there is no SAN). */
  names: string[];
  validFrom: string;
  validTo: string;
  selfSigned: boolean;
  /** SHA-256 fingerprint of the leaf, "AB:CD:...". */
  fingerprint256: string;
  /** Certificates in the file (leaf first, then the chain). */
  chainLength: number;
}

export interface CertificatePair {
  chain: X509Certificate[];
  key: KeyObject;
  summary: CertificateSummary;
}

/** Why a pair cannot be served: one code per rule, so setup's errors and doctor's findings agree. */
export type PairProblem =
  | { code: 'TLS_CERT_INVALID'; message: string }
  | { code: 'TLS_KEY_INVALID'; message: string }
  | { code: 'TLS_KEY_ENCRYPTED'; message: string }
  | { code: 'TLS_KEY_MISMATCH'; message: string }
  | { code: 'TLS_CHAIN_BROKEN'; message: string };

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate of a PEM file, in file order (leaf first, as Nginx expects). */
export function parseCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

/**
 * Read a certificate file and a key file's text into a pair Nginx can serve, or the problem.
 * Checks: the certificate parses, the key parses and is not encrypted (Nginx would ask for a
 * passphrase at every start), the key belongs to the leaf, and each chain certificate signed the one before.
 */
export function readPair(certPem: string, keyPem: string): CertificatePair | PairProblem {
  let chain: X509Certificate[];
  try {
    chain = parseCertificates(certPem);
  } catch (error) {
    return { code: 'TLS_CERT_INVALID', message: `it is not a valid PEM certificate (${(error as Error).message})` };
  }
  if (chain.length === 0) return { code: 'TLS_CERT_INVALID', message: 'it holds no "-----BEGIN CERTIFICATE-----" block (PEM expected)' };
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(keyPem)) {
    return { code: 'TLS_KEY_ENCRYPTED', message: 'the private key is encrypted with a passphrase; Nginx would ask for it at every start' };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keyPem, format: 'pem' });
  } catch (error) {
    return { code: 'TLS_KEY_INVALID', message: `it is not a valid PEM private key (${(error as Error).message})` };
  }
  const leaf = chain[0] as X509Certificate;
  if (!leaf.checkPrivateKey(key)) return { code: 'TLS_KEY_MISMATCH', message: `the private key does not belong to the certificate (${leaf.subject.replace(/\n/g, ', ')})` };
  const broken = brokenLink(chain);
  if (broken !== null) return { code: 'TLS_CHAIN_BROKEN', message: broken };
  return { chain, key, summary: summarise(chain) };
}

/** The first chain certificate that did not sign the one before it, described; null when the chain holds. */
function brokenLink(chain: X509Certificate[]): string | null {
  for (let i = 1; i < chain.length; i++) {
    const child = chain[i - 1] as X509Certificate;
    const parent = chain[i] as X509Certificate;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      return `certificate ${i + 1} in the file (${oneLine(parent.subject)}) did not sign certificate ${i} (${oneLine(child.subject)}); put the server certificate first, then its intermediates in order`;
    }
  }
  return null;
}

function oneLine(dn: string): string {
  return dn.replace(/\n/g, ', ');
}

export function summarise(chain: X509Certificate[]): CertificateSummary {
  const leaf = chain[0] as X509Certificate;
  return {
    subject: oneLine(leaf.subject),
    issuer: oneLine(leaf.issuer),
    names: certificateNames(leaf),
    validFrom: new Date(leaf.validFrom).toISOString(),
    validTo: new Date(leaf.validTo).toISOString(),
    // Not checkIssued: OpenSSL's rule also wants keyCertSign, which a server certificate does not carry.
    selfSigned: leaf.subject === leaf.issuer && leaf.verify(leaf.publicKey),
    fingerprint256: leaf.fingerprint256,
    chainLength: chain.length,
  };
}

/** subjectAltName's DNS names and IP addresses ("DNS:a, IP Address:1.2.3.4"), or the CN without a SAN. */
export function certificateNames(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  if (san) {
    return san
      .split(/,\s*/)
      .map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry.trim())?.[1])
      .filter((name): name is string => name !== undefined)
      .map((name) => compactIp(name.replace(/^"|"$/g, '')));
  }
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
  return cn ? [cn] : [];
}

/** Node prints IPv6 SAN entries in full (0:0:0:0:0:0:0:1); people read ::1. */
function compactIp(name: string): string {
  return isIP(name) === 6 ? new URL(`http://[${name}]/`).hostname.slice(1, -1) : name;
}

/** Does the leaf cover this host (a name or an IP address, brackets allowed)? */
export function coversHost(cert: X509Certificate, host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  return isIP(bare) ? cert.checkIP(bare) !== undefined : cert.checkHost(bare) !== undefined;
}

export type ValidityFinding = { state: 'valid'; daysLeft: number } | { state: 'expiring'; daysLeft: number } | { state: 'expired' } | { state: 'not-yet-valid' };

export function validity(cert: X509Certificate, now: number): ValidityFinding {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (now < from) return { state: 'not-yet-valid' };
  if (now >= to) return { state: 'expired' };
  const daysLeft = Math.floor((to - now) / DAY_MS);
  return daysLeft < EXPIRY_WARNING_DAYS ? { state: 'expiring', daysLeft } : { state: 'valid', daysLeft };
}

/** The leaf in PEM form (what a client trusts for a self-signed certificate). */
export function leafPem(certPem: string): string {
  return (certPem.match(PEM_CERTIFICATE) ?? [])[0] ?? '';
}
