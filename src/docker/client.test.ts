import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestContext, tempDir } from '../testing/context.js';
import { createDockerClient } from './client.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A client whose `docker` is a shell script: it copies stdin to stdout, says where its descriptors point (Linux), and exits 3. */
async function scriptedClient() {
  const dir = await tempDir('aigw-client-');
  dirs.push(dir);
  // The descriptors are read first, in a command substitution: a redirection (>&2) would move the shell's own.
  await writeFile(join(dir, 'docker'), '#!/bin/sh\nfds=$(readlink /proc/$$/fd/0 /proc/$$/fd/1)\ncat\necho "$fds" >&2\necho on-stderr >&2\nexit 3\n');
  await chmod(join(dir, 'docker'), 0o755);
  const client = createDockerClient({ env: { PATH: `${dir}:/usr/bin:/bin` }, out: createTestContext().out });
  return { dir, client };
}

// Every byte value, twice: binary-safe means no byte is changed or lost.
const BYTES = Buffer.from([...Array(512).keys()].map((i) => i % 256));

describe('docker client: files and streams', () => {
  it.skipIf(process.platform !== 'linux')('hands stdinFile and stdoutFile to the child as its own descriptors (no copy through Node), appending', async () => {
    const { dir, client } = await scriptedClient();
    await writeFile(join(dir, 'in.bin'), BYTES);
    await writeFile(join(dir, 'out.bin'), 'kept\n');
    const result = await client.docker(['x'], { stdinFile: join(dir, 'in.bin'), stdoutFile: join(dir, 'out.bin') });
    expect(result.exitCode).toBe(3);
    expect(Buffer.compare(await readFile(join(dir, 'out.bin')), Buffer.concat([Buffer.from('kept\n'), BYTES]))).toBe(0);
    // The child's stdin and stdout are the files themselves, not pipes from this process.
    expect(result.stderr.split('\n').slice(0, 2)).toEqual([join(dir, 'in.bin'), join(dir, 'out.bin')]);
  });

  it('pipes stdout into a stream, ended with the output, and keeps stderr', async () => {
    const { dir, client } = await scriptedClient();
    await writeFile(join(dir, 'in.bin'), BYTES);
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((resolve) => sink.on('end', resolve));
    const result = await client.docker(['x'], { stdinFile: join(dir, 'in.bin'), stdoutStream: sink });
    await ended;
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe('');
    expect(Buffer.compare(Buffer.concat(chunks), BYTES)).toBe(0);
    expect(result.stderr).toContain('on-stderr');
  });

  it('a stream that fails to write is the call failing, with the reason; a missing stdin file is a result, not a throw', async () => {
    const { dir, client } = await scriptedClient();
    await writeFile(join(dir, 'in.bin'), BYTES);
    const broken = new PassThrough({
      write(_chunk, _encoding, callback) {
        callback(new Error('ENOSPC: no space left on device'));
      },
    });
    const result = await client.docker(['x'], { stdinFile: join(dir, 'in.bin'), stdoutStream: broken });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('no space left on device');
    const missing = await client.docker(['x'], { stdinFile: join(dir, 'nope.bin') });
    expect(missing).toMatchObject({ exitCode: -1, stderr: expect.stringContaining('ENOENT') });
  });
});
