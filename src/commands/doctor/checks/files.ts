/**
 * Files: present, private (mode 600, owned by this user), `.env` complete and valid, config.yaml
 * and the compose files readable (and accepted by `compose config`), `.env` kept out of git, and
 * the running containers started from the files as they are now.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Context } from '../../../core/context.js';
import { statOrNull } from '../../../core/files.js';
import { composeProject } from '../../../docker/stack.js';
import { compareWithRecord, fingerprintFiles, isDrifted, readStartRecord } from '../../../docker/start-record.js';
import { overrideLitellmUid } from '../../../gateway/container-access.js';
import { FILES, PRIVATE_FILES } from '../../../gateway/layout.js';
import { parseConfigYaml } from '../../../gateway/render/config-yaml.js';
import { GITIGNORE_LINES, renderGitignore } from '../../../gateway/render/gitignore.js';
import { ACCOUNT_DEFAULTS, SECRET_SPECS, validateAccountName } from '../../../gateway/secrets.js';
import { ENV } from '../../../gateway/settings.js';
import { fail, failFromError, ok, skip, warn, type Check } from '../registry.js';
import type { DoctorState } from '../state.js';

const run = promisify(execFile);

function setupHint(ctx: Context): string {
  return `Run "ai-gateway setup --dir ${ctx.dir}" (it renders missing files again and keeps the secrets and settings in .env).`;
}

/** The files a gateway needs; nginx.conf only when `.env` enables Nginx (or cannot be read). */
async function expectedFiles(state: DoctorState): Promise<string[]> {
  let nginx = true;
  try {
    nginx = (await state.settings()).nginx;
  } catch {
    // unreadable .env: expect the default layout
  }
  return [FILES.env, FILES.config, FILES.compose, FILES.override, ...(nginx ? [FILES.nginx] : [])];
}

export const present: Check = {
  id: 'files.present',
  group: 'files',
  title: 'gateway files present',
  async run(ctx, state) {
    if ((await state.envText()) === null) {
      return fail(`${ctx.dir} is not a gateway directory: there is no ${FILES.env}.`, `Run "ai-gateway setup --dir ${ctx.dir}", or pass --dir to point at your gateway.`);
    }
    const expected = await expectedFiles(state);
    const missing: string[] = [];
    for (const file of expected) if (!(await ctx.fs.exists(state.path(file)))) missing.push(file);
    if (missing.length > 0) return fail(`Missing: ${missing.join(', ')}.`, setupHint(ctx), { missing });
    return ok(`${expected.join(', ')}`, { files: expected });
  },
};

export const modes: Check = {
  id: 'files.modes',
  group: 'files',
  title: 'secret files private (mode 600, owned by you)',
  async run(ctx, state) {
    if (ctx.platform.secretFileMode === null) skip(ctx.platform.protectionNote);
    if ((await state.envText()) === null) skip(`there is no ${FILES.env}`);
    const { exposed, foreign, checked } = await inspectModes(ctx, state);
    const details = { checked, exposed: exposed.map((e) => ({ file: e.file, mode: octal(e.mode) })), foreign };
    const problems: string[] = [];
    const fixes: string[] = [];
    if (exposed.length > 0) {
      problems.push(`readable by others: ${exposed.map((e) => `${e.file} (${octal(e.mode)})`).join(', ')}`);
      fixes.push(`"ai-gateway doctor --fix" sets them to 600 (or: chmod 600 ${exposed.map((e) => e.file).join(' ')})`);
    }
    if (foreign.length > 0) {
      problems.push(`owned by another user: ${foreign.map((f) => `${f.file} (uid ${f.uid})`).join(', ')}`);
      fixes.push(`give them back to yourself: sudo chown "$(id -u):$(id -g)" ${foreign.map((f) => f.file).join(' ')}`);
    }
    if (problems.length > 0) return fail(`Secret files ${problems.join('; ')}.`, `${fixes.join('; ')}.`, details);
    return ok(`${checked.join(', ')}: mode 600, owned by you`, details);
  },
  async repair(ctx, state) {
    const { exposed } = await inspectModes(ctx, state);
    for (const e of exposed) await ctx.platform.protectFile(state.path(e.file));
    return exposed.length > 0 ? `set mode 600 on ${exposed.map((e) => e.file).join(', ')}` : 'nothing to change';
  },
};

async function inspectModes(ctx: Context, state: DoctorState) {
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  const exposed: { file: string; mode: number }[] = [];
  const foreign: { file: string; uid: number }[] = [];
  const checked: string[] = [];
  // config.yaml may belong to the uid LiteLLM runs as (setup run as root hands it to 65532).
  const override = await ctx.fs.readText(state.path(FILES.override));
  const litellmUid = override === null ? null : overrideLitellmUid(override);
  for (const file of PRIVATE_FILES) {
    const s = await statOrNull(state.path(file));
    if (!s) continue;
    checked.push(file);
    const mode = s.mode & 0o777;
    if (ctx.platform.isExposed(mode)) exposed.push({ file, mode });
    if (uid !== null && s.uid !== uid && !(file === FILES.config && s.uid === litellmUid)) foreign.push({ file, uid: s.uid });
  }
  return { exposed, foreign, checked };
}

function octal(mode: number): string {
  return mode.toString(8).padStart(3, '0');
}

/** The variables `start` relies on, each checked by the same rules setup applies. Values are never shown. */
export const envVariables: Check = {
  id: 'files.env',
  group: 'files',
  title: '.env variables present and valid',
  async run(ctx, state) {
    const env = await state.envFile();
    try {
      await state.settings();
    } catch (error) {
      return failFromError(error, setupHint(ctx));
    }
    const problems: string[] = [];
    for (const spec of SECRET_SPECS) {
      const value = env.get(spec.envKey);
      if (!value) {
        problems.push(`${spec.envKey} is missing`);
        continue;
      }
      const verdict = spec.validate(value);
      if (verdict !== true) problems.push(verdict.replace(/\.$/, ''));
    }
    for (const key of Object.keys(ACCOUNT_DEFAULTS)) {
      const value = env.get(key);
      if (value === undefined || value === '') {
        problems.push(`${key} is missing`);
        continue;
      }
      const verdict = validateAccountName(key, value);
      if (verdict !== true) problems.push(verdict.replace(/\.$/, ''));
    }
    const checked = [...SECRET_SPECS.map((s) => s.envKey), ...Object.keys(ACCOUNT_DEFAULTS)];
    if (problems.length > 0) {
      const masterProblem = problems.some((p) => p.startsWith(ENV.masterKey));
      return fail(`${FILES.env}: ${problems.join('; ')}.`, masterProblem
        ? `Remove the ${ENV.masterKey} line and run "ai-gateway setup --dir ${ctx.dir}" to generate a strong one (other secrets are kept), then "ai-gateway start".`
        : `Run "ai-gateway setup --dir ${ctx.dir}" to generate what is missing (existing secrets are kept), or fix those lines by hand.`, { problems, checked });
    }
    return ok(`${checked.length} required variables present and valid (master key form, salt key, password lengths)`, { checked });
  },
};

export const configYaml: Check = {
  id: 'files.config',
  group: 'files',
  title: 'config.yaml parses',
  async run(ctx, state) {
    const text = await ctx.fs.readText(state.path(FILES.config));
    if (text === null) skip(`there is no ${FILES.config}`);
    const doc = parseConfigYaml(text, state.path(FILES.config));
    const value = (doc.toJS() ?? {}) as { model_list?: unknown };
    const models = Array.isArray(value.model_list) ? value.model_list.length : 0;
    return ok(`${FILES.config} parses; ${models === 0 ? 'no models in model_list (models added in the admin UI live in the database)' : `${models} model${models === 1 ? '' : 's'} in model_list`}`, { models });
  },
};

export const composeFiles: Check = {
  id: 'files.compose',
  group: 'files',
  title: 'compose files accepted by Compose',
  dependsOn: ['files.present', 'environment.compose'],
  async run(ctx, state) {
    const stack = await state.stack();
    const cli = await state.compose();
    const result = await composeProject(ctx, stack.gateway, { serverVersion: '', compose: cli }).validate();
    if (result.exitCode !== 0) {
      const message = (result.stderr || result.stdout).trim().split('\n').find((l) => l.trim() !== '') ?? `exit ${result.exitCode}`;
      return fail(`${cli.label} config rejects the files: ${message}`, setupHint(ctx), { services: stack.services });
    }
    return ok(`${FILES.compose} + ${FILES.override} define ${stack.services.join(', ')}; "${cli.label} config" accepts them`, { services: stack.services });
  },
};

/** Is `dir` inside a git work tree? Returns the repository root (where `.git` is). */
export async function findGitRoot(dir: string): Promise<string | null> {
  for (let current = dir; ; current = dirname(current)) {
    if (await statOrNull(join(current, '.git'))) return current;
    if (dirname(current) === current) return null;
  }
}

async function git(args: string[], cwd: string): Promise<{ code: number } | null> {
  try {
    await run('git', args, { cwd, timeout: 10_000 });
    return { code: 0 };
  } catch (error) {
    const e = error as { code?: unknown };
    if (e.code === 'ENOENT') return null; // git is not installed
    return { code: typeof e.code === 'number' ? e.code : 1 };
  }
}

export const gitignore: Check = {
  id: 'files.gitignore',
  group: 'files',
  title: '.env ignored by git',
  async run(ctx, state) {
    if ((await state.envText()) === null) skip(`there is no ${FILES.env}`);
    const root = await findGitRoot(ctx.dir);
    if (!root) skip(`${ctx.dir} is not in a git repository`);
    const tracked = await git(['ls-files', '--error-unmatch', '--', FILES.env], ctx.dir);
    if (tracked?.code === 0) {
      return fail(`${FILES.env} is tracked by git: its secrets are (or will be) in the repository history.`, `Untrack it: git -C ${ctx.dir} rm --cached .env (then rotate the secrets if it was ever pushed), and run "ai-gateway doctor --fix" to add .gitignore lines.`, { repository: root });
    }
    const ignored = await git(['check-ignore', '-q', '--', FILES.env], ctx.dir);
    const missing = await missingGitignoreLines(ctx, state);
    if (ignored !== null ? ignored.code !== 0 : missing.includes('.env')) {
      return fail(`${FILES.env} is not ignored by git (repository ${root}): "git add ." would commit the secrets.`, '"ai-gateway doctor --fix" adds the missing lines to .gitignore.', { repository: root, missing });
    }
    if (missing.length > 0) {
      return warn(`${FILES.env} is ignored, but .gitignore lacks ${missing.join(', ')}.`, '"ai-gateway doctor --fix" adds the missing lines to .gitignore.', { repository: root, missing });
    }
    return ok(`${FILES.env} is ignored by git (repository ${root})`, { repository: root });
  },
  async repair(ctx, state) {
    const path = state.path(FILES.gitignore);
    const before = await ctx.fs.readText(path);
    const after = renderGitignore(before);
    if (after === before) return 'nothing to change';
    await ctx.fs.writeAtomic(path, after);
    const added = GITIGNORE_LINES.filter((line) => !(before ?? '').split(/\r?\n/).some((l) => l.trim() === line || l.trim() === `/${line}`));
    return `added ${added.join(', ')} to .gitignore`;
  },
};

async function missingGitignoreLines(ctx: Context, state: DoctorState): Promise<string[]> {
  const text = (await ctx.fs.readText(state.path(FILES.gitignore))) ?? '';
  const present = new Set(text.split(/\r?\n/).map((l) => l.trim()));
  return GITIGNORE_LINES.filter((l) => !present.has(l) && !present.has(`/${l}`));
}

export const drift: Check = {
  id: 'files.drift',
  group: 'files',
  title: 'running containers match the files',
  dependsOn: ['environment.daemon', 'files.env'],
  async run(ctx, state) {
    const containers = await state.containers();
    if (![...containers.values()].some((c) => c.state === 'running')) skip('the stack is not running');
    const record = await readStartRecord(ctx, ctx.dir);
    if (!record) skip('this stack was not started by "ai-gateway start", so there is nothing to compare with');
    const result = compareWithRecord(record, await fingerprintFiles(ctx, ctx.dir), containers);
    const details = { changedFiles: result.changedFiles, replacedContainers: result.replacedContainers, startedAt: record.startedAt };
    if (!isDrifted(result)) return ok(`unchanged since the last start (${record.startedAt})`, details);
    const parts: string[] = [];
    if (result.changedFiles.length > 0) parts.push(`changed since the last start: ${result.changedFiles.join(', ')}`);
    if (result.replacedContainers.length > 0) parts.push(`recreated outside ai-gateway: ${result.replacedContainers.join(', ')}`);
    return warn(`The running containers do not match the files (${parts.join('; ')}).`, '"ai-gateway start" applies the files (it recreates or restarts only what changed).', details);
  },
};

export const fileChecks: Check[] = [present, modes, envVariables, configYaml, composeFiles, gitignore, drift];

