/**
 * `setup --tls self-signed`: a certificate for this host's names and addresses, signed by its own
 * key (ECDSA P-256, SHA-256), valid for 397 days (the longest browsers accept for a server
 * certificate), CA:FALSE with serverAuth, so browsers, curl and Node accept it once trusted.
 *
 * node:crypto makes keys and verifies certificates but cannot issue one; @peculiar/x509 builds
 * the certificate and signs it through Node's own WebCrypto (no JavaScript crypto of its own).
 * It needs a Reflect metadata polyfill (its dependency injection, tsyringe), so reflect-metadata
 * is imported first. Both load only here, in setup's self-signed path (a chunk of their own).
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';

export const SELF_SIGNED_DAYS = 397;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SelfSignedRequest {
  /** DNS names and IP addresses the certificate covers (the first names it). */
  names: string[];
  now: number;
  /** Random bytes for the serial number (the context's random source). */
  serial: Uint8Array;
}

export async function makeSelfSigned(request: SelfSignedRequest): Promise<{ certPem: string; keyPem: string }> {
  x509.cryptoProvider.set(webcrypto as Crypto);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as { publicKey: CryptoKey; privateKey: CryptoKey };
  const serial = Buffer.from(request.serial);
  serial[0] = (serial[0] ?? 0) & 0x7f; // a positive serial number (RFC 5280 §4.1.2.2)
  const first = request.names[0] ?? 'localhost';
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: [{ CN: [first] }, { O: ['ai-gateway (self-signed)'] }],
    // A minute back: a client whose clock is a little behind still accepts it.
    notBefore: new Date(request.now - 60_000),
    notAfter: new Date(request.now + SELF_SIGNED_DAYS * DAY_MS),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(request.names.map((name) => (isIP(name) ? { type: 'ip' as const, value: name } : { type: 'dns' as const, value: name }))),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string;
  return { certPem: `${cert.toString('pem')}\n`, keyPem };
}
