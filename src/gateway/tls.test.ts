import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { privateCa, selfSigned } from '../testing/certificates.js';
import { certificateNames, coversHost, EXPIRY_WARNING_DAYS, leafPem, readPair, validity } from './tls.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('the certificate Nginx serves', () => {
  it('reads a self-signed pair: names (IPv6 compacted), dates, fingerprint, self-signed', async () => {
    const pair = await selfSigned(['localhost', 'gw.example', '127.0.0.1', '::1']);
    const read = readPair(pair.certPem, pair.keyPem);
    if ('code' in read) throw new Error(read.message);
    expect(read.summary).toMatchObject({ names: ['localhost', 'gw.example', '127.0.0.1', '::1'], selfSigned: true, chainLength: 1, subject: expect.stringContaining('CN=localhost') });
    expect(read.summary.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const leaf = read.chain[0] as X509Certificate;
    for (const host of ['localhost', 'GW.example', '127.0.0.1', '[::1]', '::1']) expect(coversHost(leaf, host), host).toBe(true);
    for (const host of ['other.example', '10.0.0.1', 'sub.gw.example']) expect(coversHost(leaf, host), host).toBe(false);
  });

  it('reads a chain from a private CA (leaf first) and refuses one out of order', async () => {
    const { leaf, caPem } = await privateCa(['gw.example']);
    const read = readPair(leaf.certPem, leaf.keyPem);
    expect('code' in read ? read : read.summary).toMatchObject({ chainLength: 2, selfSigned: false, issuer: 'CN=ai-gateway test CA' });
    expect(readPair(`${caPem}${leafPem(leaf.certPem)}`, leaf.keyPem)).toMatchObject({ code: 'TLS_KEY_MISMATCH' }); // the CA first: the key is not its key
  });

  it('names each problem', async () => {
    const pair = await selfSigned();
    expect(readPair('not a certificate', pair.keyPem)).toMatchObject({ code: 'TLS_CERT_INVALID' });
    expect(readPair('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', pair.keyPem)).toMatchObject({ code: 'TLS_CERT_INVALID' });
    expect(readPair(pair.certPem, 'not a key')).toMatchObject({ code: 'TLS_KEY_INVALID' });
    expect(readPair(pair.certPem, '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n')).toMatchObject({ code: 'TLS_KEY_ENCRYPTED' });
    expect(readPair(pair.certPem, (await selfSigned()).keyPem)).toMatchObject({ code: 'TLS_KEY_MISMATCH' });
  });

  it('validity: valid, expiring within 30 days, expired, not yet valid', async () => {
    const leaf = new X509Certificate((await selfSigned()).certPem);
    const to = Date.parse(leaf.validTo);
    const from = Date.parse(leaf.validFrom);
    expect(validity(leaf, to - (EXPIRY_WARNING_DAYS + 1) * DAY_MS)).toEqual({ state: 'valid', daysLeft: EXPIRY_WARNING_DAYS + 1 });
    expect(validity(leaf, to - 5 * DAY_MS)).toEqual({ state: 'expiring', daysLeft: 5 });
    expect(validity(leaf, to)).toEqual({ state: 'expired' });
    expect(validity(leaf, from - 1)).toEqual({ state: 'not-yet-valid' });
  });

  it('a certificate without subjectAltName is known by its CN (the test CA has none)', async () => {
    const { caPem } = await privateCa(['gw.example']);
    const ca = new X509Certificate(caPem);
    expect(ca.subjectAltName).toBeUndefined();
    expect(certificateNames(ca)).toEqual(['ai-gateway test CA']);
  });
});
