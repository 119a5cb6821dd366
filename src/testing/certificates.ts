/**
 * Certificates for tests: self-signed ones (through the same code as `setup --tls self-signed`),
 * and a private CA with a server certificate it signed (the "corporate CA" case), with
 * @peculiar/x509 over Node's WebCrypto. Dates are parameters, so expired and expiring
 * certificates are made, never waited for.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { makeSelfSigned } from '../gateway/tls-self-signed.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface TestPair {
  certPem: string;
  keyPem: string;
}

/** Self-signed for `names`, issued `ageDays` ago (valid 397 days from then). */
export function selfSigned(names: string[] = ['localhost', '127.0.0.1'], ageDays = 0): Promise<TestPair> {
  return makeSelfSigned({ names, now: Date.now() - ageDays * DAY_MS, serial: randomBytes(16) });
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

async function keyPair() {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as { publicKey: CryptoKey; privateKey: CryptoKey };
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string;
}

/** A private CA and a server certificate it signed for `names` (valid from yesterday for `days`). */
export async function privateCa(names: string[], days = 30): Promise<{ caPem: string; leaf: TestPair }> {
  x509.cryptoProvider.set(webcrypto as Crypto);
  const notBefore = new Date(Date.now() - DAY_MS);
  const notAfter = new Date(Date.now() + days * DAY_MS);
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=ai-gateway test CA',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const leafKeys = await keyPair();
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: `CN=${names[0] ?? 'localhost'}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((n) => (isIP(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n }))),
    ],
  });
  const caPem = `${ca.toString('pem')}\n`;
  return { caPem, leaf: { certPem: `${leaf.toString('pem')}\n${caPem}`, keyPem: await keyPem(leafKeys.privateKey) } };
}
