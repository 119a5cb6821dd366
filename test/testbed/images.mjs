#!/usr/bin/env node
// Build the end-to-end test images without any registry (test/testbed/README.md says why):
//   1. debootstrap a Debian bookworm root filesystem once (cached), `docker import` it as the base;
//      and a second, small Debian forky one for Nginx (bookworm's 1.22 lacks upstream `resolve`);
//   2. `docker build` (legacy builder) four small images FROM those bases, each tagged with a hash of
//      everything that goes into it, so unchanged images are reused in seconds.
//
//   node test/testbed/images.mjs                → builds what is missing, prints the image names as JSON
//   node test/testbed/images.mjs --nginx-rootfs → only the forky Nginx root filesystem (no Docker needed;
//                                                 the unit tests run its nginx for `nginx -t`), prints its path
//
// Image names (tags are content hashes):
//   ai-gateway-test/base:<h>        debootstrap minbase + postgresql-15, nginx-light, nodejs, python3, redis-server, curl, wget
//   ai-gateway-test/postgres:<h>    like postgres:16
//   ai-gateway-test/litellm:<h>     like docker.litellm.ai/berriai/litellm:main-stable (Node stand-in, uid 65532)
//   ai-gateway-test/litellm:never-ready-<h>, ai-gateway-test/litellm:exit-after-boot-<h>   broken variants
//   ai-gateway-test/litellm:next-<h>  the same stand-in reporting a newer version (a rolling update's target)
//   ai-gateway-test/open-webui:<h>  like ghcr.io/open-webui/open-webui:main (Node stand-in)
//   ai-gateway-test/nginx-base:<h>  debootstrap forky minbase + nginx-light (>= 1.27.3), wget, ca-certificates
//   ai-gateway-test/nginx:<h>       like nginx:alpine, FROM nginx-base
//   ai-gateway-test/redis:<h>       like redis:7.4-alpine
// Each is also tagged `:latest` (the fault variants `:never-ready` / `:exit-after-boot`) for use by hand.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { ensureDockerEngine, run } from './engine.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const STANDINS = path.join(REPO, 'test/standins');
const IMAGE_SOURCES = path.join(HERE, 'images');
const PREFIX = 'ai-gateway-test';

/** What goes into the base root filesystem. Containers have no network: every package comes in here. */
export const BASE_SPEC = {
  suite: 'bookworm',
  variant: 'minbase',
  mirror: 'http://deb.debian.org/debian',
  include: ['ca-certificates', 'curl', 'nginx-light', 'nodejs', 'postgresql-15', 'procps', 'python3', 'redis-server', 'wget'],
};

/** Where the debootstrapped root filesystems are kept between runs. */
/**
 * Nginx's own root filesystem: the gateway's nginx.conf uses `server ... resolve` in upstream blocks,
 * which open-source Nginx has since 1.27.3; bookworm ships 1.22. Forky (testing) has a current
 * nginx-light. debootstrap has no script named forky on bookworm, so the sid script drives it.
 */
export const NGINX_SPEC = {
  suite: 'forky',
  script: 'sid',
  variant: 'minbase',
  mirror: 'http://deb.debian.org/debian',
  include: ['ca-certificates', 'nginx-light', 'wget'],
};

export function cacheDir() {
  return process.env.AI_GATEWAY_TESTBED_CACHE ?? '/var/cache/ai-gateway-testbed';
}

const shortHash = (text) => crypto.createHash('sha256').update(text).digest('hex').slice(0, 12);

export function specHash(spec) {
  return shortHash(JSON.stringify({ ...spec, include: [...spec.include].sort() }));
}

export function baseHash() {
  return specHash(BASE_SPEC);
}

/** Where a spec's root filesystem is cached (it exists once etc/os-release is in it). */
export function rootfsPath(spec) {
  return path.join(cacheDir(), `rootfs-${specHash(spec)}`);
}

/**
 * Run a command with output streamed to `log` line by line; rejects on a non-zero exit.
 * @param {string} file
 * @param {string[]} args
 * @param {{log: (line: string) => void, env?: NodeJS.ProcessEnv, cwd?: string}} options
 */
function stream(file, args, { log, env, cwd }) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: env ?? process.env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail = [];
    const onData = (data) => {
      for (const line of String(data).split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        log(`  ${line}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(undefined);
      else reject(new Error(`${file} ${args.join(' ')} exited with ${code}:\n${tail.join('\n')}`));
    });
  });
}

async function imageExists(ref) {
  return (await run('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], { timeoutMs: 20_000 })).code === 0;
}

async function tag(source, target) {
  const res = await run('docker', ['tag', source, target]);
  if (res.code !== 0) throw new Error(`docker tag ${source} ${target}: ${res.stderr}`);
}

// ---------------------------------------------------------------------------------------------
// A cross-process lock, so two test runs never debootstrap or build the same thing at once
// ---------------------------------------------------------------------------------------------

async function withLock(name, log, fn) {
  fs.mkdirSync(cacheDir(), { recursive: true });
  const lock = path.join(cacheDir(), `${name}.lock`);
  const staleMs = 20 * 60_000;
  for (let waited = 0; ; waited += 2000) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'owner'), `${process.pid}\n`);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const age = Date.now() - fs.statSync(lock).mtimeMs;
      if (age > staleMs || !lockOwnerAlive(lock)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (waited % 30_000 === 0) log(`waiting for ${lock} (another build is running)`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function lockOwnerAlive(lock) {
  try {
    const pid = Number(fs.readFileSync(path.join(lock, 'owner'), 'utf8'));
    if (!pid) return true; // being written right now
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------------------------
// The base image
// ---------------------------------------------------------------------------------------------

/** debootstrap (once) and `docker import` the base image; returns its reference. */
export async function ensureBaseImage({ log = () => {} } = {}) {
  return ensureImportedRootfs('base', BASE_SPEC, log);
}

/** The forky root filesystem with nginx >= 1.27.3, debootstrapped once; returns its path (no Docker needed). */
export async function ensureNginxRootfs({ log = () => {} } = {}) {
  return ensureRootfs(NGINX_SPEC, log);
}

async function ensureRootfs(spec, log) {
  const rootfs = rootfsPath(spec);
  const done = () => fs.existsSync(path.join(rootfs, 'etc/os-release'));
  if (done()) return rootfs;
  return withLock(`rootfs-${specHash(spec)}`, log, async () => {
    if (!done()) await debootstrap(rootfs, spec, log);
    return rootfs;
  });
}

async function ensureImportedRootfs(name, spec, log) {
  const hash = specHash(spec);
  const ref = `${PREFIX}/${name}:${hash}`;
  if (await imageExists(ref)) return ref;
  const rootfs = await ensureRootfs(spec, log);
  return withLock(`${name}-${hash}`, log, async () => {
    if (await imageExists(ref)) return ref;
    log(`importing ${rootfs} as ${ref}`);
    // docker import keeps no ENV; give the base a PATH and a UTF-8 locale like Debian's images.
    await stream('bash', ['-c', 'set -o pipefail; tar -C "$1" --numeric-owner -c . | docker import --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" --change "ENV LANG=C.UTF-8" - "$2"', 'import', rootfs, ref], { log });
    return ref;
  });
}

async function debootstrap(rootfs, spec, log) {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error('building a test root filesystem needs root (debootstrap); run as root or pre-build with `sudo node test/testbed/images.mjs`');
  }
  const which = await run('sh', ['-c', 'command -v debootstrap']);
  if (which.code !== 0) throw new Error('debootstrap is not installed (apt-get install -y debootstrap)');
  const partial = `${rootfs}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  log(`debootstrap ${spec.suite} into ${partial} (a few minutes the first time)`);
  await stream('debootstrap', [
    `--variant=${spec.variant}`,
    `--include=${[...spec.include].sort().join(',')}`,
    spec.suite,
    partial,
    spec.mirror,
    ...(spec.script ? [`/usr/share/debootstrap/scripts/${spec.script}`] : []),
  ], { log: (line) => (/^\s*I: (Retrieving|Validating|Extracting|Unpacking|Configuring)/.test(line) ? undefined : log(line)) });
  // Keep the image lean: apt lists and caches are of no use without network.
  for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
    for (const entry of fs.readdirSync(path.join(partial, dir))) {
      if (entry.endsWith('.deb') || dir.endsWith('lists')) fs.rmSync(path.join(partial, dir, entry), { recursive: true, force: true });
    }
  }
  fs.renameSync(partial, rootfs);
}

// ---------------------------------------------------------------------------------------------
// The service images
// ---------------------------------------------------------------------------------------------

/** The repo's copy of a package and all of its (hoisted) dependencies, optional ones included. */
function packageClosure(names) {
  const seen = new Map();
  const visit = (name) => {
    if (seen.has(name)) return;
    const dir = path.join(REPO, 'node_modules', name);
    if (!fs.existsSync(path.join(dir, 'package.json'))) {
      throw new Error(`node_modules/${name} is missing; run npm install (pg is a devDependency)`);
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    seen.set(name, { dir, version: pkg.version });
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) {
      if (fs.existsSync(path.join(REPO, 'node_modules', dep, 'package.json'))) visit(dep);
    }
  };
  names.forEach(visit);
  return seen;
}

/**
 * Stage a build context: the image's source directory plus extra files.
 * @param {string} name  directory under test/testbed/images
 * @param {{standins?: string[], packages?: string[]}} extras
 * @returns {{dir: string, hash: string}}
 */
function stageContext(name, extras) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ai-gateway-image-${name}-`));
  const hasher = crypto.createHash('sha256');
  const add = (rel, content) => {
    hasher.update(`${rel}\0${content.length}\0`);
    hasher.update(content);
  };
  const src = path.join(IMAGE_SOURCES, name);
  for (const file of fs.readdirSync(src).sort()) {
    const content = fs.readFileSync(path.join(src, file));
    fs.writeFileSync(path.join(dir, file), content);
    add(file, content);
  }
  if (extras.standins?.length) {
    const appDir = path.join(dir, 'standin');
    fs.mkdirSync(appDir);
    const pkgJson = JSON.stringify({ name: `${name}-standin`, private: true, type: 'module' }, null, 2) + '\n';
    fs.writeFileSync(path.join(appDir, 'package.json'), pkgJson);
    add('standin/package.json', pkgJson);
    for (const file of extras.standins) {
      const content = fs.readFileSync(path.join(STANDINS, file));
      fs.writeFileSync(path.join(appDir, file), content);
      add(`standin/${file}`, content);
    }
    if (extras.packages?.length) {
      for (const [pkgName, { dir: from, version }] of [...packageClosure(extras.packages)].sort()) {
        fs.cpSync(from, path.join(appDir, 'node_modules', pkgName), { recursive: true, dereference: true });
        add(`standin/node_modules/${pkgName}`, version); // a package is identified by its version
      }
    }
  }
  return { dir, hash: hasher.digest('hex').slice(0, 12) };
}

async function dockerBuild(contextDir, ref, baseRef, log) {
  log(`building ${ref}`);
  await stream('docker', ['build', '--quiet', '--build-arg', `BASE_IMAGE=${baseRef}`, '-t', ref, contextDir], {
    log: quietLegacyBuilder(log),
    env: { ...process.env, DOCKER_BUILDKIT: '0' }, // the legacy builder works offline from local images
  });
}

/** Drop the legacy builder's three-line deprecation notice from the log. */
function quietLegacyBuilder(log) {
  return (line) => {
    if (/DEPRECATED: The legacy builder|BuildKit is currently disabled|environment-variable\./.test(line)) return;
    log(line);
  };
}

/**
 * Build one service image (if its content hash is new) and return its reference.
 * @param {string} name
 * @param {string} baseRef
 * @param {{standins?: string[], packages?: string[]}} extras
 */
async function ensureServiceImage(name, baseRef, extras, log) {
  const { dir, hash } = stageContext(name, extras);
  try {
    const ref = `${PREFIX}/${name}:${shortHash(`${baseRef}\0${hash}`)}`;
    if (!(await imageExists(ref))) {
      await withLock(`image-${name}`, log, async () => {
        if (!(await imageExists(ref))) await dockerBuild(dir, ref, baseRef, log);
      });
    }
    await tag(ref, `${PREFIX}/${name}:latest`);
    return ref;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A broken variant of the LiteLLM image: the same image with STANDIN_FAULT (or the given variables) set. */
async function ensureFaultVariant(litellmRef, fault, log, env = { STANDIN_FAULT: fault }) {
  const tagPart = `${fault}-${shortHash(`${litellmRef}\0${fault}`)}`;
  const ref = `${PREFIX}/litellm:${tagPart}`;
  if (!(await imageExists(ref))) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ai-gateway-image-litellm-${fault}-`));
    try {
      fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${litellmRef}\n${Object.entries(env).map(([k, v]) => `ENV ${k}=${v}\n`).join('')}`);
      log(`building ${ref}`);
      await stream('docker', ['build', '--quiet', '-t', ref, dir], { log: quietLegacyBuilder(log), env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  await tag(ref, `${PREFIX}/litellm:${fault}`);
  return ref;
}

/**
 * Make sure every test image exists; build what is missing.
 * @param {{log?: (line: string) => void}} [options]
 * @returns {Promise<{base: string, postgres: string, litellm: string, openWebui: string, nginx: string, redis: string, litellmNeverReady: string, litellmExitAfterBoot: string, litellmAllocates: string, litellmNext: string}>}
 */
export async function ensureTestImages({ log = () => {} } = {}) {
  const engine = await ensureDockerEngine({ log });
  if (!engine.ok) throw new Error(`no Docker engine: ${engine.reason}`);
  const base = await ensureBaseImage({ log });
  const postgres = await ensureServiceImage('postgres', base, {}, log);
  const litellm = await ensureServiceImage('litellm', base, { standins: ['litellm.mjs'], packages: ['pg', 'yaml'] }, log);
  const openWebui = await ensureServiceImage('open-webui', base, { standins: ['open-webui.mjs'] }, log);
  const nginxBase = await ensureImportedRootfs('nginx-base', NGINX_SPEC, log);
  const nginx = await ensureServiceImage('nginx', nginxBase, {}, log);
  const redis = await ensureServiceImage('redis', base, {}, log);
  const litellmNeverReady = await ensureFaultVariant(litellm, 'never-ready', log);
  const litellmExitAfterBoot = await ensureFaultVariant(litellm, 'exit-after-boot', log);
  // Holds 256 MB from boot on: OOM-killed under a small memory limit (test/e2e/limits.e2e.test.ts).
  const litellmAllocates = await ensureFaultVariant(litellm, 'allocate-256mb', log, { STANDIN_ALLOCATE_MB: '256' });
  // A newer release of the same image (rolling updates need a different image to roll to).
  const litellmNext = await ensureFaultVariant(litellm, 'next', log, { STANDIN_VERSION: '1.80.1-standin' });
  return { base, postgres, litellm, openWebui, nginx, redis, litellmNeverReady, litellmExitAfterBoot, litellmAllocates, litellmNext };
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv.includes('--nginx-rootfs')) {
  ensureNginxRootfs({ log: (line) => process.stderr.write(line + '\n') }).then(
    (rootfs) => process.stdout.write(`${rootfs}\n`),
    (err) => {
      process.stderr.write(`${err?.message ?? err}\n`);
      process.exit(1);
    },
  );
} else if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  ensureTestImages({ log: (line) => process.stderr.write(line + '\n') }).then(
    (images) => {
      process.stderr.write(`images ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      process.stdout.write(JSON.stringify(images, null, 2) + '\n');
    },
    (err) => {
      process.stderr.write(`${err?.message ?? err}\n`);
      process.exit(1);
    },
  );
}
