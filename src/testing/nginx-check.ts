/** Host tools for tests: is a command installed, and `nginx -t` on rendered configurations. */
import { execFile, execFileSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
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

/**
 * Runs `nginx -t` on each configuration text in one private mount namespace (root, nginx and
 * unshare needed): nginx -t resolves the upstream hosts and looks up the "nginx" user, so both are
 * given to it there, never in the machine's own /etc. Returns nginx's stderr.
 */
export async function nginxTest(configs: Record<string, string>, { quiet = false } = {}): Promise<{ stderr: string }> {
  const dir = await tempDir('aigw-nginx-');
  try {
    await writeFile(join(dir, 'hosts'), `${await readFile('/etc/hosts', 'utf8')}\n127.0.0.1 litellm open-webui\n`);
    const passwd = await readFile('/etc/passwd', 'utf8');
    const group = await readFile('/etc/group', 'utf8');
    await writeFile(join(dir, 'passwd'), /^nginx:/m.test(passwd) ? passwd : `${passwd}nginx:x:101:101:nginx:/nonexistent:/usr/sbin/nologin\n`);
    await writeFile(join(dir, 'group'), /^nginx:/m.test(group) ? group : `${group}nginx:x:101:\n`);
    const tests: string[] = [];
    for (const [name, text] of Object.entries(configs)) {
      await writeFile(join(dir, `${name}.conf`), text);
      tests.push(`nginx -t ${quiet ? '-q ' : ''}-c ${join(dir, `${name}.conf`)} -p ${dir} -e stderr`);
    }
    const script = [`mount --bind ${dir}/hosts /etc/hosts`, `mount --bind ${dir}/passwd /etc/passwd`, `mount --bind ${dir}/group /etc/group`, ...tests].join(' && ');
    const { stderr } = await exec('unshare', ['-m', 'sh', '-c', script]);
    return { stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
