/**
 * Host tools for tests: is a command installed, which nginx can load the gateway's nginx.conf, and
 * `nginx -t` on rendered configurations.
 *
 * The gateway's nginx.conf needs Nginx >= 1.27.3 (upstream servers with `resolve`). Debian 12's own
 * nginx is 1.22, so the tests run the nginx of the test bed's Debian forky root filesystem
 * (`node test/testbed/images.mjs --nginx-rootfs`, cached) with chroot, in a private mount namespace.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { NGINX_SPEC, rootfsPath } from '../../test/testbed/images.mjs';
import { NGINX_MIN_VERSION, versionAtLeast } from '../gateway/nginx-version.js';
import { tempDir } from './context.js';

const exec = promisify(execFile);

export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `nginx -v` of the nginx under `root` ("/" is the host), or null when there is none. */
function nginxVersionIn(root: string): string | null {
  // nginx -v prints to stderr.
  const [file, ...args] = root === '/' ? ['nginx', '-v'] : ['chroot', root, 'nginx', '-v'];
  const { stdout, stderr } = spawnSync(file as string, args, { encoding: 'utf8' });
  return /nginx\/(\d+\.\d+\.\d+)/.exec(`${stdout ?? ''}${stderr ?? ''}`)?.[1] ?? null;
}

/**
 * The root directory whose nginx can load the gateway's nginx.conf: the host's, when new enough,
 * else the test bed's forky root filesystem. `skip` says why there is none (root is needed for the
 * namespaces and chroot). On CI, as root, a missing nginx is an error, not a skip: .ci/run builds
 * the root filesystem before npm test, so a skip there would hide a broken step.
 */
export function capableNginx(): { root: string; version: string } | { skip: string } {
  if (process.getuid?.() !== 0) return { skip: 'needs root for a private mount namespace and chroot' };
  if (!hasCommand('unshare')) return { skip: 'unshare is not installed (util-linux)' };
  const host = hasCommand('nginx') ? nginxVersionIn('/') : null;
  if (host && versionAtLeast(host, NGINX_MIN_VERSION)) return { root: '/', version: host };
  const rootfs = rootfsPath(NGINX_SPEC);
  const cached = existsSync(join(rootfs, 'usr/sbin/nginx')) ? nginxVersionIn(rootfs) : null;
  if (cached && versionAtLeast(cached, NGINX_MIN_VERSION)) return { root: rootfs, version: cached };
  const reason =
    `no nginx >= ${NGINX_MIN_VERSION} (the host has ${host ?? 'none'}${cached ? `, ${rootfs} has ${cached}` : ''}); ` +
    'build the test bed one with `node test/testbed/images.mjs --nginx-rootfs` (root, debootstrap, about 30 s)';
  if (process.env.CI) throw new Error(reason);
  return { skip: reason };
}

/**
 * Shell lines (for `unshare -m`) that give nginx under `root` the files in `dir` at the returned
 * path, and an "nginx" user in its /etc/passwd and /etc/group, never touching the real files.
 * The returned `nginx` runs that nginx (chroot when root is not "/").
 */
export async function nginxMounts(root: string, dir: string): Promise<{ lines: string[]; inner: string; nginx: string }> {
  const etc = join(root, 'etc');
  const passwd = await readFile(join(etc, 'passwd'), 'utf8');
  const group = await readFile(join(etc, 'group'), 'utf8');
  await writeFile(join(dir, 'passwd'), /^nginx:/m.test(passwd) ? passwd : `${passwd}nginx:x:101:101:nginx:/nonexistent:/usr/sbin/nologin\n`);
  await writeFile(join(dir, 'group'), /^nginx:/m.test(group) ? group : `${group}nginx:x:101:\n`);
  const inner = root === '/' ? dir : '/mnt';
  const lines = [
    ...(root === '/' ? [] : [`mount --bind ${dir} ${join(root, 'mnt')}`]),
    `mount --bind ${dir}/passwd ${etc}/passwd`,
    `mount --bind ${dir}/group ${etc}/group`,
  ];
  return { lines, inner, nginx: root === '/' ? 'nginx' : `chroot ${root} nginx` };
}

/**
 * Runs `nginx -t` on each configuration text in one private mount namespace, with the nginx that
 * capableNginx() found. Returns nginx's stderr.
 */
export async function nginxTest(configs: Record<string, string>, { quiet = false, files = {} as Record<string, string> } = {}): Promise<{ stderr: string; version: string }> {
  const found = capableNginx();
  if ('skip' in found) throw new Error(found.skip);
  const dir = await tempDir('aigw-nginx-');
  try {
    const { lines, inner, nginx } = await nginxMounts(found.root, dir);
    // A server without `resolve` (a bench variant) is resolved by nginx -t itself.
    const hosts = join(found.root, 'etc', 'hosts');
    if (!existsSync(hosts)) await writeFile(hosts, '127.0.0.1 localhost\n'); // debootstrap leaves none; a mount needs a target
    await writeFile(join(dir, 'hosts'), `${await readFile(hosts, 'utf8')}\n127.0.0.1 litellm open-webui\n`);
    lines.push(`mount --bind ${dir}/hosts ${hosts}`);
    // Files the configurations name relative to their own directory (tls/cert.pem, tls/key.pem).
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), text, { mode: 0o600 });
    }
    const tests: string[] = [];
    for (const [name, text] of Object.entries(configs)) {
      await writeFile(join(dir, `${name}.conf`), text);
      tests.push(`${nginx} -t ${quiet ? '-q ' : ''}-c ${inner}/${name}.conf -p ${inner} -e stderr`);
    }
    const { stderr } = await exec('unshare', ['-m', 'sh', '-c', [...lines, ...tests].join(' && ')]);
    return { stderr, version: found.version };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
