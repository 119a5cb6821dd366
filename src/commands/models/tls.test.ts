// models (and smoke, key: the same connection) against the gateway's own https URL when this
// machine does not trust its self-signed certificate: the error names the file to trust.
import { writeFile, mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { selfSigned } from '../../testing/certificates.js';
import { createTestContext, fakeClock } from '../../testing/context.js';
import { writeGatewayFixture } from '../../testing/doctor-fixtures.js';
import { optionsSchema, run } from './models.handler.js';

describe("models against the gateway's https URL with an untrusted self-signed certificate", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  it('fails with TLS_CERTIFICATE_REJECTED (exit 3) whose hint names tls/cert.pem to trust', async () => {
    const served = await selfSigned(['localhost', '127.0.0.1']);
    server = createServer({ cert: served.certPem, key: served.keyPem }, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}'));
    await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
    const port = (server.address() as AddressInfo).port;
    const dir = await writeGatewayFixture({ litellmPort: 4999, nginxPort: port, virtualKey: 'sk-virtual-0123456789abcdefghij', env: { TLS: 'self-signed' } });
    await mkdir(join(dir, 'tls'), { recursive: true });
    await writeFile(join(dir, 'tls', 'cert.pem'), served.certPem, { mode: 0o600 });
    await writeFile(join(dir, 'tls', 'key.pem'), served.keyPem, { mode: 0o600 });
    const ctx = createTestContext({ dir, clock: fakeClock(Date.now()) });
    const error = await run(ctx, optionsSchema.parse({ timeout: 1 })).then(
      () => null,
      (e: unknown) => e as { code: string; exitCode: number; hint?: string },
    );
    expect(error).toMatchObject({ code: 'TLS_CERTIFICATE_REJECTED', exitCode: 3 });
    expect(error?.hint).toContain(`NODE_EXTRA_CA_CERTS=${join(dir, 'tls', 'cert.pem')}`);
  });
});
