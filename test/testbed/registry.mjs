// A real image registry on loopback, behind a throttled link, for first-start tests and benchmarks.
//
//   const registry = await startRegistry({ log });              // Debian's docker-registry, random port
//   const relay = await startThrottledRelay({ targetPort: registry.port, bytesPerSecond: 256 * 1024 });
//   const ref = await pushPaddedImage({ source: images.litellm, pushHost: registry.host, pullHost: relay.host,
//                                       name: 'slow/litellm', padBytes: 12 << 20, log });
//   ... `docker pull ${ref}` now downloads padBytes through the relay ...
//   await removeImages([ref]); await relay.close(); await registry.stop();
//
// Docker pushes to and pulls from 127.0.0.0/8 over plain HTTP without any daemon setting. The
// engine already has every layer of the test images, so a pull of a retagged test image would be
// instant: pushPaddedImage adds a layer of random bytes (incompressible), pushes it, then deletes
// the local image so the engine no longer has that layer. Pushes go to the registry directly
// (fast); pulls name the relay's port, so they cross the throttled link.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { run } from './engine.mjs';

/** Is Debian's docker-registry installed? (null when it is, else why not) */
export async function registryUnavailable() {
  const found = await run('sh', ['-c', 'command -v docker-registry']).catch(() => ({ code: 1 }));
  return found.code === 0 ? null : 'docker-registry is not installed (apt-get install docker-registry)';
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `docker-registry serve` on 127.0.0.1:<random port> with storage in a temp directory.
 * @param {{log?: (line: string) => void}} [options]
 * @returns {Promise<{port: number, host: string, dir: string, stop: () => Promise<void>}>}
 */
export async function startRegistry({ log = () => {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-registry-'));
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    [
      'version: 0.1',
      'log: {level: error, accesslog: {disabled: true}}',
      `storage: {filesystem: {rootdirectory: ${JSON.stringify(path.join(dir, 'data'))}}, delete: {enabled: true}}`,
      `http: {addr: "127.0.0.1:${port}", secret: ${JSON.stringify(crypto.randomBytes(16).toString('hex'))}}`,
      '',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.ok, () => false);
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not start on 127.0.0.1:${port}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`registry on 127.0.0.1:${port} (storage ${dir})`);
  return { port, host: `127.0.0.1:${port}`, dir, stop };
}

/**
 * A TCP relay on 127.0.0.1:<random port> to `targetPort` whose downstream (registry → client)
 * is capped at `bytesPerSecond` across all its connections together, like one slow link.
 * @param {{targetPort: number, bytesPerSecond: number}} options
 * @returns {Promise<{port: number, host: string, bytesRelayed: () => number, close: () => Promise<void>}>}
 */
export async function startThrottledRelay({ targetPort, bytesPerSecond }) {
  const TICK_MS = 20;
  /** @type {{socket: net.Socket, upstream: net.Socket, chunks: Buffer[]}[]} */
  const queues = [];
  let relayed = 0;
  const sockets = new Set();
  const timer = setInterval(() => {
    let budget = Math.ceil((bytesPerSecond * TICK_MS) / 1000);
    // Round-robin over the connections that wait, so parallel layer downloads share the link.
    while (budget > 0 && queues.some((q) => q.chunks.length > 0)) {
      for (const q of queues) {
        if (budget <= 0) break;
        const chunk = q.chunks[0];
        if (!chunk) continue;
        const n = Math.min(chunk.length, budget, 16 * 1024);
        if (!q.socket.destroyed) q.socket.write(chunk.subarray(0, n));
        relayed += n;
        budget -= n;
        if (n === chunk.length) q.chunks.shift();
        else q.chunks[0] = chunk.subarray(n);
        if (q.chunks.length === 0) {
          if (q.upstream.isPaused()) q.upstream.resume();
          if (q.ended && !q.socket.destroyed) q.socket.end();
        }
      }
    }
  }, TICK_MS);
  const server = net.createServer((socket) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    const q = { socket, upstream, chunks: [], ended: false };
    queues.push(q);
    sockets.add(socket);
    sockets.add(upstream);
    socket.pipe(upstream);
    upstream.on('data', (data) => {
      q.chunks.push(data);
      upstream.pause();
    });
    upstream.on('end', () => {
      q.ended = true;
      if (q.chunks.length === 0) socket.end();
    });
    const drop = () => {
      socket.destroy();
      upstream.destroy();
      const i = queues.indexOf(q);
      if (i >= 0) queues.splice(i, 1);
      sockets.delete(socket);
      sockets.delete(upstream);
    };
    socket.on('error', drop);
    upstream.on('error', drop);
    socket.on('close', drop);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port,
    host: `127.0.0.1:${port}`,
    bytesRelayed: () => relayed,
    close: async () => {
      clearInterval(timer);
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

async function docker(args, timeoutMs = 600_000) {
  const result = await run('docker', args, { timeoutMs });
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${result.code}): ${result.stderr || result.stdout}`);
  return result.stdout.trim();
}

/**
 * `source` plus a layer of `padBytes` random bytes, pushed as `pushHost/name:tag`; returns the
 * reference to pull, `pullHost/name:tag`. The local copy is removed: the engine then lacks the layer.
 * @param {{source: string, pushHost: string, pullHost: string, name: string, padBytes: number, log?: (line: string) => void}} options
 */
export async function pushPaddedImage({ source, pushHost, pullHost, name, padBytes, log = () => {} }) {
  const context = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-pad-'));
  const tag = crypto.randomBytes(6).toString('hex');
  const pushRef = `${pushHost}/${name}:${tag}`;
  try {
    fs.writeFileSync(path.join(context, 'padding.bin'), crypto.randomBytes(padBytes));
    fs.writeFileSync(path.join(context, 'Dockerfile'), `FROM ${source}\nCOPY padding.bin /opt/first-start-padding.bin\n`);
    await run('docker', ['build', '-q', '-t', pushRef, context], { timeoutMs: 600_000, env: { ...process.env, DOCKER_BUILDKIT: '0' } }).then((r) => {
      if (r.code !== 0) throw new Error(`docker build failed: ${r.stderr}`);
    });
    const started = Date.now();
    await docker(['push', pushRef]);
    log(`pushed ${pushRef} (+${(padBytes / 1e6).toFixed(1)} MB of random bytes) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await run('docker', ['rmi', '--force', pushRef], { timeoutMs: 120_000 });
    fs.rmSync(context, { recursive: true, force: true });
  }
  return `${pullHost}/${name}:${tag}`;
}

/** Removes images by reference, ignoring the ones already gone. */
export async function removeImages(refs) {
  if (refs.length > 0) await run('docker', ['rmi', '--force', ...refs], { timeoutMs: 120_000 });
}
