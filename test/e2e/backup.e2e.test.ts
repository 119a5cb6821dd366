// Backup and restore on the real stack (Docker engine, Compose, PostgreSQL, Nginx, test images):
//   gateway A: setup → start → key K1 → a file in Open WebUI's volume → backup --include-secrets
//   → key K2 (after the backup) → gateway B: setup → restore A's archive → start →
//   K1 works through B's Nginx, K2 does not, the Open WebUI file is back, the archive has no
//   secret in clear text and is mode 600. Also: a damaged archive and a wrong passphrase are
//   refused before anything changes.
import { readdir, readFile, stat, writeFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli, describeResult, destroyStack, docker, engineOrSkipReason, http, imageEnv, readEnv, setupGateway, testImages } from './helpers.js';
import { selfSigned, type TestPair } from '../../src/testing/certificates.js';

const skip = await engineOrSkipReason('backup.e2e');
const describeDocker = skip ? describe.skip : describe;
const PASSPHRASE = 'correct horse battery staple';

describeDocker('backup and restore on the real engine', () => {
  let a = { dir: '', project: '' };
  let b = { dir: '', project: '' };
  let images: Awaited<ReturnType<typeof testImages>>;
  let archive = '';
  let k1 = '';
  let tls: TestPair;
  let k2 = '';
  const scratch: string[] = [];

  beforeAll(async () => {
    images = await testImages();
    const ga = await setupGateway(images);
    a = { dir: ga.dir, project: ga.project };
    const gb = await setupGateway(images);
    b = { dir: gb.dir, project: gb.project };
  }, 300_000);

  afterAll(async () => {
    await destroyStack(a.dir, a.project);
    await destroyStack(b.dir, b.project);
    for (const dir of [a.dir, b.dir, ...scratch]) if (dir) await rm(dir, { recursive: true, force: true });
  }, 300_000);

  const env = () => ({ ...imageEnv(images), AI_GATEWAY_BACKUP_PASSPHRASE: PASSPHRASE });
  const api = async (dir: string) => `http://127.0.0.1:${(await readEnv(dir)).get('NGINX_PORT')}/api/litellm/v1`;
  const createKey = async (dir: string, alias: string) => {
    const r = await cli(dir, ['key', 'create', '--alias', alias, '--json'], env());
    expect(r.exitCode, describeResult(r)).toBe(0);
    return (JSON.parse(r.stdout) as { key: string }).key;
  };

  it('backs up a running gateway into one private archive without a clear-text secret', async () => {
    const start = await cli(a.dir, ['start', '--timeout', '180'], env());
    expect(start.exitCode, describeResult(start)).toBe(0);
    k1 = await createKey(a.dir, 'before-backup');
    expect((await http(`${await api(a.dir)}/models`, { key: k1 })).status).toBe(200);
    // Something of Open WebUI's own in its volume, to find again after the restore.
    await docker('exec', `${a.project}_open-webui_1`, 'sh', '-c', 'echo chats-of-alice > /app/backend/data/e2e-marker.txt');
    // A certificate and key in tls/ (this gateway does not serve them; the archive must carry them).
    tls = await selfSigned(['127.0.0.1', 'localhost']);
    await mkdir(join(a.dir, 'tls'), { mode: 0o700 });
    await writeFile(join(a.dir, 'tls', 'cert.pem'), tls.certPem, { mode: 0o600 });
    await writeFile(join(a.dir, 'tls', 'key.pem'), tls.keyPem, { mode: 0o600 });

    const backup = await cli(a.dir, ['backup', '--include-secrets', '--json'], env());
    expect(backup.exitCode, describeResult(backup)).toBe(0);
    const doc = JSON.parse(backup.stdout) as { path: string; manifest: { parts: { name: string }[]; secrets: { included: boolean }; images: { service: string; reference: string; id: string | null }[] } };
    // Each image's id, as the engine has it (asked over its socket here): the same as `docker image inspect` says.
    for (const image of doc.manifest.images) expect(image.id, image.service).toBe(await docker('image', 'inspect', '--format', '{{.Id}}', image.reference));
    archive = doc.path;
    expect(doc.manifest.secrets.included).toBe(true);
    expect(doc.manifest.parts.map((p) => p.name)).toEqual(expect.arrayContaining(['database.pgdump', 'open-webui-data.tar.gz', 'secrets.env.sealed', 'files/config.yaml', 'files/tls/cert.pem', 'files/tls/key.pem.sealed']));
    expect((await stat(archive)).mode & 0o777).toBe(0o600);
    // Open WebUI was paused only for the copy of its volume (read through docker cp): it runs again.
    expect(await docker('inspect', '--format', '{{.State.Status}}', `${a.project}_open-webui_1`)).toBe('running');
    // The volume part is format 1's gzipped tar of the volume's contents (./ entries), as tar -C dir . wrote it.
    const listing = execFileSync('sh', ['-c', `tar -xOf "$0" open-webui-data.tar.gz | tar -tzf -`, archive], { encoding: 'utf8' });
    expect(listing.split('\n')).toContain('./e2e-marker.txt');
    // Not one secret of .env appears anywhere in the archive's bytes, nor in what the command printed.
    const bytes = await readFile(archive);
    expect(bytes.includes(Buffer.from(tls.keyPem.split('\n')[1] as string))).toBe(false);
    const envA = await readEnv(a.dir);
    for (const key of ['LITELLM_MASTER_KEY', 'LITELLM_SALT_KEY', 'POSTGRES_PASSWORD', 'UI_PASSWORD', 'WEBUI_SECRET_KEY', 'VIRTUAL_KEY']) {
      const value = envA.get(key);
      expect(value, key).toBeTruthy();
      expect(bytes.includes(Buffer.from(value as string)), `${key} in the archive`).toBe(false);
      expect(backup.stdout + backup.stderr).not.toContain(value);
    }
    expect(backup.stdout + backup.stderr).not.toContain(PASSPHRASE);
    k2 = await createKey(a.dir, 'after-backup');
  }, 600_000);

  it('Ctrl-C, or a reader that goes away, while Open WebUI is paused: it runs again, no archive is left, exit 130', async () => {
    // A database large enough that its dump is still running when the signal comes (~0.5 s).
    const psql = (sql: string) => docker('exec', `${a.project}_postgres_1`, 'psql', '-q', '-U', 'litellm', '-d', 'litellm', '-c', sql);
    await psql(`CREATE TABLE e2e_bulk AS SELECT g, repeat(md5(g::text), 20) AS filler FROM generate_series(1, 60000) AS g`);
    const outDir = await mkdtemp(join(tmpdir(), 'aigw-cancelled-'));
    scratch.push(outDir);
    try {
      for (const how of ['SIGINT', 'closed pipe'] as const) {
        const child = spawn(process.execPath, [BIN, 'backup', '--verbose', '--output', join(outDir, 'b.tar'), '--dir', a.dir], {
          env: { ...process.env, CI: '1', NO_COLOR: '1', ...env() },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
        let sent = false;
        await new Promise<void>((paused) => {
          child.stderr.on('data', (chunk: Buffer) => {
            stderr += chunk.toString();
            if (sent || !stderr.includes('docker pause')) return;
            sent = true; // once: a second Ctrl-C after the clean-up is Node's again (exit at once)
            paused();
            if (how === 'SIGINT') child.kill('SIGINT');
            else child.stderr.destroy(); // its next line meets a closed pipe (EPIPE)
          });
        });
        expect(await exited, `${how}: ${stderr}`).toBe(130);
        expect(await docker('inspect', '--format', '{{.State.Status}}', `${a.project}_open-webui_1`), how).toBe('running');
        expect(await readdir(outDir), how).toEqual([]);
        if (how === 'SIGINT') expect(stderr).toContain('Backup cancelled: no archive was written, and Open WebUI runs again.');
      }
    } finally {
      await psql('DROP TABLE e2e_bulk');
    }
  }, 300_000);

  it('refuses a damaged archive and a wrong passphrase before changing anything', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'aigw-bad-archive-'));
    scratch.push(tmp);
    const damaged = join(tmp, 'damaged.tar');
    const bytes = await readFile(archive);
    expect(bytes.includes(Buffer.from(tls.keyPem.split('\n')[1] as string))).toBe(false);
    // Flip a byte well inside the database dump's data (past the tar headers of the first entries).
    const copy = Buffer.from(bytes);
    const at = copy.indexOf(Buffer.from('PGDMP')) + 600;
    copy[at] = (copy[at] ?? 0) ^ 0xff;
    await writeFile(damaged, copy, { mode: 0o600 });
    const envBefore = await readFile(join(b.dir, '.env'), 'utf8');
    const bad = await cli(b.dir, ['restore', damaged, '--yes', '--json'], env());
    expect(bad.exitCode, describeResult(bad)).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe('BACKUP_CORRUPT');
    const wrong = await cli(b.dir, ['restore', archive, '--yes', '--json'], { ...env(), AI_GATEWAY_BACKUP_PASSPHRASE: 'not the passphrase at all' });
    expect(wrong.exitCode, describeResult(wrong)).toBe(2);
    expect(JSON.parse(wrong.stdout).error.code).toBe('WRONG_PASSPHRASE');
    expect(await readFile(join(b.dir, '.env'), 'utf8')).toBe(envBefore);
    // Nothing was created for B either.
    expect(await docker('ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${b.project}`)).toBe('');
  }, 300_000);

  it('restores into a freshly set-up directory: keys from before the backup work, later ones do not, Open WebUI data is back', async () => {
    const restore = await cli(b.dir, ['restore', archive, '--yes'], env());
    expect(restore.exitCode, describeResult(restore)).toBe(0);
    const envA = await readEnv(a.dir);
    const envB = await readEnv(b.dir);
    expect(envB.get('LITELLM_SALT_KEY')).toBe(envA.get('LITELLM_SALT_KEY'));
    expect(envB.get('LITELLM_MASTER_KEY')).toBe(envA.get('LITELLM_MASTER_KEY'));
    expect(envB.get('POSTGRES_PASSWORD')).not.toBe(envA.get('POSTGRES_PASSWORD'));
    expect((await stat(join(b.dir, '.env'))).mode & 0o777).toBe(0o600);

    const start = await cli(b.dir, ['start', '--timeout', '180'], env());
    expect(start.exitCode, describeResult(start)).toBe(0);
    expect((await http(`${await api(b.dir)}/models`, { key: k1 })).status).toBe(200);
    expect((await http(`${await api(b.dir)}/models`, { key: k2 })).status).toBe(401);
    const marker = execFileSync('docker', ['exec', `${b.project}_open-webui_1`, 'cat', '/app/backend/data/e2e-marker.txt'], { encoding: 'utf8' });
    expect(marker.trim()).toBe('chats-of-alice');

    // tls/ came along (600), and the command restore named serves it over HTTPS.
    expect(restore.stdout + restore.stderr).toContain(`ai-gateway setup --yes --tls files --dir ${b.dir}`);
    expect(await readFile(join(b.dir, 'tls', 'cert.pem'), 'utf8')).toBe(tls.certPem);
    expect(await readFile(join(b.dir, 'tls', 'key.pem'), 'utf8')).toBe(tls.keyPem);
    expect((await stat(join(b.dir, 'tls', 'key.pem'))).mode & 0o777).toBe(0o600);
    const https = await cli(b.dir, ['setup', '--yes', '--tls', 'files'], env());
    expect(https.exitCode, describeResult(https)).toBe(0);
    const again = await cli(b.dir, ['start', '--timeout', '180'], env());
    expect(again.exitCode, describeResult(again)).toBe(0);
    const port = (await readEnv(b.dir)).get('NGINX_PORT');
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(`https://127.0.0.1:${port}/api/litellm/v1/models`, { ca: tls.certPem, headers: { authorization: `Bearer ${k1}` } }, (res) => (res.resume(), resolve(res.statusCode ?? 0)));
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
  }, 600_000);
});
