import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestContext, tempDir } from '../testing/context.js';
import { fakeContainer, inspectJson } from '../testing/fake-docker.js';
import { byService, parseInspect } from './containers.js';
import { compareWithRecord, fingerprintFiles, isDrifted, readStartRecord, RECORD_FILE, removeStartRecord, writeStartRecord } from './start-record.js';

describe('start record', () => {
  it('is written at mode 600 and read back; a garbled one reads as unknown', async () => {
    const dir = await tempDir();
    const ctx = createTestContext({ dir });
    await writeFile(join(dir, '.env'), 'A=1\n');
    const record = { version: 1 as const, project: 'gw', startedAt: 'now', files: await fingerprintFiles(ctx, dir), containers: { postgres: 'abc' } };
    await writeStartRecord(ctx, dir, record);
    expect(await readStartRecord(ctx, dir)).toEqual(record);
    if (process.platform !== 'win32') expect((await stat(join(dir, RECORD_FILE))).mode & 0o777).toBe(0o600);
    await writeFile(join(dir, RECORD_FILE), '{not json');
    expect(await readStartRecord(ctx, dir)).toBeNull();
    await removeStartRecord(ctx, dir);
    expect(await readStartRecord(ctx, dir)).toBeNull();
  });

  it('reports changed files and replaced containers, and nothing when all matches', async () => {
    const dir = await tempDir();
    const ctx = createTestContext({ dir });
    await writeFile(join(dir, '.env'), 'A=1\n');
    await writeFile(join(dir, 'config.yaml'), 'model_list: []\n');
    const containers = byService(parseInspect(JSON.stringify([inspectJson(fakeContainer('postgres')), inspectJson(fakeContainer('litellm'))])));
    const ids = Object.fromEntries([...containers].map(([s, c]) => [s, c.id]));
    const record = { version: 1 as const, project: 'gw', startedAt: 'now', files: await fingerprintFiles(ctx, dir), containers: ids };
    const same = compareWithRecord(record, await fingerprintFiles(ctx, dir), containers);
    expect(same).toEqual({ known: true, changedFiles: [], replacedContainers: [] });
    expect(isDrifted(same)).toBe(false);

    await writeFile(join(dir, 'config.yaml'), 'model_list: [x]\n');
    await writeFile(join(dir, 'docker-compose.yml'), 'services: {}\n'); // appeared since
    const drift = compareWithRecord(record, await fingerprintFiles(ctx, dir), byService(parseInspect(JSON.stringify([inspectJson(fakeContainer('litellm'))]))));
    expect(drift).toEqual({ known: true, changedFiles: ['docker-compose.yml', 'config.yaml'], replacedContainers: ['litellm'] });
    expect(compareWithRecord(null, {}, containers)).toEqual({ known: false, changedFiles: [], replacedContainers: [] });
  });
});
