import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DockerClient, ExecResult } from '../core/docker-client.js';
import { createTestContext, tempDir, unusedDocker } from '../testing/context.js';
import { IMAGES_FILE, parseInspect, readImageDigests, recordImageDigests, repositoryOf, shortIdentity } from './image-digests.js';

const ok = (stdout: string): ExecResult => ({ exitCode: 0, stdout, stderr: '', cancelled: false }) as ExecResult;

describe('image digests', () => {
  it('picks the digest of the reference\'s own repository, else the first; no RepoDigest keeps the id', () => {
    const id = `sha256:${'a'.repeat(64)}`;
    const digestOf = (repo: string) => `${repo}@sha256:${'b'.repeat(64)}`;
    expect(parseInspect(`["${digestOf('mirror/postgres')}","${digestOf('postgres')}"] ${id}\n`, 'postgres:16.16')).toEqual({ digest: digestOf('postgres'), id });
    expect(parseInspect(`["${digestOf('other/x')}"] ${id}`, 'localhost:5000/x:1')).toEqual({ digest: digestOf('other/x'), id });
    expect(parseInspect(`[] ${id}`, 'ai-gateway-test/litellm:t')).toEqual({ digest: null, id });
    expect(parseInspect(`null ${id}`, 'x')).toEqual({ digest: null, id });
    expect(repositoryOf('localhost:5000/a/b:1.2')).toBe('localhost:5000/a/b');
    expect(repositoryOf('localhost:5000/a')).toBe('localhost:5000/a');
    expect(repositoryOf('a@sha256:00')).toBe('a');
  });

  it('records every reference at mode 600 (a missing image as unknown) and reads it back', async () => {
    const dir = await tempDir();
    const id = `sha256:${'c'.repeat(64)}`;
    const calls: string[][] = [];
    const docker: DockerClient = {
      ...unusedDocker,
      async docker(args) {
        calls.push(args);
        const ref = args.at(-1);
        if (ref === 'gone:1') return { exitCode: 1, stdout: '', stderr: 'Error: No such image: gone:1', cancelled: false } as ExecResult;
        return ok(ref === 'postgres:16.16' ? `["postgres@sha256:${'d'.repeat(64)}"] ${id}` : `[] ${id}`);
      },
    };
    const ctx = createTestContext({ dir, docker });
    const record = await recordImageDigests(ctx, dir, [
      { service: 'postgres', image: 'postgres:16.16' },
      { service: 'litellm', image: 'ai-gateway-test/litellm:local' },
      { service: 'nginx', image: 'gone:1' },
    ]);
    expect(calls.every((a) => a.slice(0, 4).join(' ') === 'image inspect --format {{json .RepoDigests}} {{.Id}}')).toBe(true);
    expect(record.images).toEqual([
      { service: 'postgres', reference: 'postgres:16.16', digest: `postgres@sha256:${'d'.repeat(64)}`, id },
      { service: 'litellm', reference: 'ai-gateway-test/litellm:local', digest: null, id },
      { service: 'nginx', reference: 'gone:1', digest: null, id: null },
    ]);
    if (process.platform !== 'win32') expect((await stat(join(dir, IMAGES_FILE))).mode & 0o777).toBe(0o600);
    expect(await readImageDigests(ctx, dir)).toEqual(record);
    expect(record.images.map(shortIdentity)).toEqual([`sha256:${'d'.repeat(12)}`, `${id.slice(0, 19)} (local image, no registry digest)`, 'unknown (not in the engine)']);
    await writeFile(join(dir, IMAGES_FILE), '{"version":2}');
    expect(await readImageDigests(ctx, dir)).toBeNull();
  });
});
