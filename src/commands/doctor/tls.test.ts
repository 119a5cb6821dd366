// doctor with HTTPS: files.tls-certificate (key, chain, dates, the URLs' host) and the route
// checks over https against a real TLS server holding the gateway's certificate (pinned).
import { writeFile, mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { privateCa, selfSigned, type TestPair } from '../../testing/certificates.js';
import { createTestContext, fakeClock } from '../../testing/context.js';
import { DoctorDocker, healthyContainers, writeGatewayFixture, type GatewayFixtureOptions } from '../../testing/doctor-fixtures.js';
import { FakeDocker } from '../../testing/fake-docker.js';
import { optionsSchema, run } from './doctor.handler.js';



async function gateway(pair: TestPair | null, options: Partial<GatewayFixtureOptions> = {}, tls = 'self-signed') {
  const fixture: GatewayFixtureOptions = { litellmPort: 4999, nginxPort: 3999, ...options, env: { TLS: tls, ...options.env } };
  const dir = await writeGatewayFixture(fixture);
  if (pair) {
    await mkdir(join(dir, 'tls'), { recursive: true });
    await writeFile(join(dir, 'tls', 'cert.pem'), pair.certPem, { mode: 0o600 });
    await writeFile(join(dir, 'tls', 'key.pem'), pair.keyPem, { mode: 0o600 });
  }
  const engine = new FakeDocker({ daemon: 'up', compose: { kind: 'plugin', version: '2.29.1' }, containers: healthyContainers(fixture) });
  const ctx = createTestContext({ dir, docker: new DoctorDocker(engine), clock: fakeClock(Date.now()) });
  return { ctx, dir };
}

async function certificateCheck(pair: TestPair | null, options: Partial<GatewayFixtureOptions> = {}, tls = 'self-signed') {
  const { ctx } = await gateway(pair, options, tls);
  const result = await run(ctx, optionsSchema.parse({ check: 'files.tls-certificate' }));
  return { check: result.checks[0], printed: ctx.captured.all() };
}

describe('doctor files.tls-certificate', () => {
  it('passes for a certificate that covers the URL host, matches its key and has a month left', async () => {
    const { check } = await certificateCheck(await selfSigned(['localhost', '127.0.0.1']));
    expect(check).toMatchObject({ status: 'ok', finding: expect.stringMatching(/^localhost, 127\.0\.0\.1 \(self-signed\); valid until \d{4}-\d\d-\d\d \(39\d days\); key and chain match$/) });
  });

  it('warns within 30 days of the end, and fails once expired, each with the renewal command', async () => {
    const expiring = await certificateCheck(await selfSigned(['127.0.0.1'], 397 - 10));
    expect(expiring.check).toMatchObject({ status: 'warn', finding: expect.stringMatching(/expires in (9|10) days/), fix: expect.stringContaining('setup --dir') });
    expect(expiring.check?.fix).toContain('--tls self-signed');
    const expired = await certificateCheck(await selfSigned(['127.0.0.1'], 400), {}, 'files');
    expect(expired.check).toMatchObject({ status: 'fail', finding: expect.stringMatching(/^The certificate expired on /), fix: expect.stringContaining('--tls-cert FILE --tls-key FILE') });
  });

  it("fails when the certificate does not cover the URLs' host", async () => {
    const { check } = await certificateCheck(await selfSigned(['gateway.example.com']), {}, 'files');
    expect(check).toMatchObject({ status: 'fail', finding: expect.stringContaining('covers gateway.example.com, not 127.0.0.1') });
  });

  it('fails when the key does not belong to the certificate, or the files are missing; never shows the key', async () => {
    const one = await selfSigned(['127.0.0.1']);
    const other = await selfSigned(['127.0.0.1']);
    const mismatch = await certificateCheck({ certPem: one.certPem, keyPem: other.keyPem });
    expect(mismatch.check).toMatchObject({ status: 'fail', finding: expect.stringContaining('the private key does not belong to the certificate'), details: { code: 'TLS_KEY_MISMATCH' } });
    expect(mismatch.printed).not.toContain(other.keyPem.split('\n')[1] as string);
    const missing = await certificateCheck(null);
    expect(missing.check).toMatchObject({ status: 'fail', finding: expect.stringContaining('tls/cert.pem and tls/key.pem are missing') });
  });

  it('checks the chain of a certificate from a private CA', async () => {
    const { leaf } = await privateCa(['127.0.0.1'], 90);
    expect((await certificateCheck(leaf, {}, 'files')).check).toMatchObject({ status: 'ok', finding: expect.stringContaining('issued by CN=ai-gateway test CA') });
  });

  it('is skipped without HTTPS', async () => {
    const { check } = await certificateCheck(null, {}, 'off');
    expect(check).toMatchObject({ status: 'skipped' });
  });
});

describe('doctor api.routes-nginx over https', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  /** Nginx's two routes behind TLS with `pair`: LiteLLM's 401 JSON and Open WebUI's page. */
  async function front(pair: TestPair): Promise<number> {
    server = createServer({ cert: pair.certPem, key: pair.keyPem }, (req, res) => {
      if (req.url?.startsWith('/api/litellm/v1/models')) res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"Authentication Error"}}');
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Open WebUI</html>');
    });
    await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
    return (server.address() as AddressInfo).port;
  }

  it("answers through the gateway's own certificate (pinned, whatever its names), and fails on another", async () => {
    const served = await selfSigned(['somewhere.example']); // names aside: doctor's certificate check reports them
    const port = await front(served);
    const good = await gateway(served, { nginxPort: port });
    const ok = await run(good.ctx, optionsSchema.parse({ check: 'api.routes-nginx' }));
    expect(ok.checks[0]).toMatchObject({ status: 'ok', finding: expect.stringContaining(`https://127.0.0.1:${port}/api/litellm/v1/models → 401 from LiteLLM`) });

    const stale = await gateway(await selfSigned(['127.0.0.1']), { nginxPort: port }); // Nginx still serves the old one
    const failed = await run(stale.ctx, optionsSchema.parse({ check: 'api.routes-nginx' }));
    expect(failed.checks[0]).toMatchObject({ status: 'fail', finding: expect.stringMatching(/TLS certificate is not signed by a CA this machine trusts|certificate/) });
  });
});
