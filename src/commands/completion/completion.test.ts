import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { createProgram } from '../../program.js';
import type { ProcessIo } from '../../core/context.js';
import { createTestContext } from '../../testing/context.js';
import { SERVICES } from '../../gateway/settings.js';
import { optionsSchema, pathNodes, render, run, type Shell } from './completion.handler.js';
import { describeCommand, SHELLS } from './spec.js';

const io: ProcessIo = { env: {}, cwd: '/', stdout: { write: () => true }, stderr: { write: () => true }, stdinIsTTY: false };
const program = createProgram(io);
const spec = describeCommand(program);

async function script(shell: Shell): Promise<string> {
  const result = await run(createTestContext(), optionsSchema.parse({ args: [shell], program: spec }));
  return render(result, createTestContext().out.style);
}

const hasShell = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;

/** Every command path and its flags, straight from commander: what every script must offer. */
function commanderPaths(command: Command, prefix = ''): { path: string; flags: string[]; commands: string[] }[] {
  const globals = program.options.flatMap((o) => [o.short, o.long]).filter((f): f is string => Boolean(f));
  const own = prefix === '' ? [] : command.options.flatMap((o) => [o.short, o.long]).filter((f): f is string => Boolean(f));
  const entry = { path: prefix, flags: [...new Set([...own, ...globals, '-h', '--help'])], commands: command.commands.map((c) => c.name()) };
  return [entry, ...command.commands.flatMap((c) => commanderPaths(c, prefix === '' ? c.name() : `${prefix} ${c.name()}`))];
}

describe('completion: the command tree comes from the program definition', () => {
  it('has every command, subcommand and flag commander knows, global flags on every command', () => {
    const nodes = new Map(pathNodes(spec).map((n) => [n.path, n]));
    for (const expected of commanderPaths(program)) {
      const node = nodes.get(expected.path);
      expect(node, expected.path).toBeDefined();
      expect(node?.commands.map((c) => c.name)).toEqual(expected.commands);
      expect(new Set(node?.flags.flatMap((f) => f.flags))).toEqual(new Set(expected.flags));
    }
    expect(nodes.get('')?.commands.map((c) => c.name)).toContain('completion');
    expect(nodes.get('logs')?.argumentValues).toEqual(Object.values(SERVICES));
    expect(nodes.get('completion')?.argumentValues).toEqual([...SHELLS]);
  });

  it('refuses an unknown shell, naming the ones it knows', () => {
    expect(() => optionsSchema.parse({ args: ['tcsh'], program: spec })).toThrow(/bash, zsh, fish, powershell/);
  });

  it('`completion` builds every command even though a run normally builds only the one it invokes', () => {
    const built = createProgram(io, ['node', 'ai-gateway', 'completion', 'bash']);
    expect(built.commands.map((c) => c.name())).toEqual(program.commands.map((c) => c.name()));
    expect(built.commands.find((c) => c.name() === 'key')?.commands.length).toBeGreaterThan(1);
  });
});

describe('completion bash (sourced in a real bash, COMP_WORDS simulated)', () => {
  let file = '';
  const complete = async (line: string): Promise<string[]> => {
    if (!file) {
      file = join(mkdtempSync(join(tmpdir(), 'aigw-completion-')), 'ai-gateway.bash');
      writeFileSync(file, await script('bash'));
    }
    // "ai-gateway key cr" → COMP_WORDS=(ai-gateway key cr), COMP_CWORD=2; a trailing space starts an empty word.
    const words = line.replace(/=/g, ' = ').split(' '); // bash breaks words at "=" too (COMP_WORDBREAKS)
    const program = `source "$1"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _ai_gateway; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = execFileSync('bash', ['--norc', '--noprofile', '-c', program, 'bash', file], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).sort();
  };

  it('completes commands, subcommands and their flags with the global ones', async () => {
    expect(await complete('ai-gateway ')).toEqual([...program.commands.map((c) => c.name())].sort());
    expect(await complete('ai-gateway st')).toEqual(['start', 'status', 'stop']);
    expect(await complete('ai-gateway key ')).toEqual(['create', 'info', 'list', 'revoke', 'rotate']);
    const flags = await complete('ai-gateway key create --');
    for (const flag of ['--alias', '--models', '--save', '--dir', '--json', '--yes', '--help']) expect(flags).toContain(flag);
    expect(flags).not.toContain('--follow'); // logs' flag, not key create's
  });

  it('completes flag values: choices, files for a path, nothing for free text; a value is never taken for a command', async () => {
    expect(await complete('ai-gateway status -o ')).toEqual(['env', 'json', 'table']);
    expect(await complete('ai-gateway status --output=j')).toEqual(['json']);
    expect(await complete('ai-gateway key create --alias ')).toEqual([]);
    expect(await complete('ai-gateway --dir /')).toContain('/tmp');
    expect(await complete('ai-gateway --dir key st')).toEqual(['start', 'status', 'stop']); // "key" was --dir's value
    expect(await complete('ai-gateway --dir /tmp key ')).toEqual(['create', 'info', 'list', 'revoke', 'rotate']);
  });

  it('completes service names for logs and shells for completion', async () => {
    expect(await complete('ai-gateway logs ')).toEqual(Object.values(SERVICES).sort());
    expect(await complete('ai-gateway logs -f litellm ')).toEqual(Object.values(SERVICES).sort());
    expect(await complete('ai-gateway completion ')).toEqual([...SHELLS].sort());
  });
});

describe('completion zsh', () => {
  it.skipIf(!hasShell('zsh'))('is valid zsh (zsh -n) and loads with compinit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aigw-completion-zsh-'));
    const file = join(dir, '_ai-gateway');
    writeFileSync(file, await script('zsh'));
    expect(spawnSync('zsh', ['-n', file], { encoding: 'utf8' }).stderr).toBe('');
    // Sourcing it registers the completer for the command.
    const loaded = spawnSync('zsh', ['-f', '-c', `autoload -U compinit && compinit -u -D && source "${file}" && print -r -- $_comps[ai-gateway]`], { encoding: 'utf8' });
    expect(loaded.stdout.trim(), loaded.stderr).toBe('_ai_gateway');
  });

  it('lists commands and flags with their descriptions', async () => {
    const text = await script('zsh');
    expect(text).toMatch(/^#compdef ai-gateway$/m);
    expect(text).toContain("'setup:");
    expect(text).toContain("'--dir:");
  });
});

describe('completion fish', () => {
  const fish = hasShell('fish');
  const complete = async (line: string): Promise<string[]> => {
    const file = join(mkdtempSync(join(tmpdir(), 'aigw-completion-fish-')), 'ai-gateway.fish');
    writeFileSync(file, await script('fish'));
    const out = execFileSync('fish', ['--no-config', '-c', `source ${file}; complete -C '${line}'`], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).map((l) => l.split('\t')[0] as string).sort();
  };

  it.skipIf(!fish)('is valid fish (fish -n)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'aigw-completion-fish-')), 'ai-gateway.fish');
    writeFileSync(file, await script('fish'));
    expect(spawnSync('fish', ['--no-config', '-n', file], { encoding: 'utf8' }).stderr).toBe('');
  });

  it.skipIf(!fish)("completes like bash does (fish's own complete -C)", async () => {
    expect(await complete('ai-gateway ')).toEqual([...program.commands.map((c) => c.name())].sort());
    expect(await complete('ai-gateway key ')).toEqual(['create', 'info', 'list', 'revoke', 'rotate']);
    const flags = await complete('ai-gateway key create --');
    for (const flag of ['--alias', '--save', '--dir', '--json']) expect(flags).toContain(flag);
    expect(flags).not.toContain('--follow');
    expect(await complete('ai-gateway status -o ')).toEqual(['env', 'json', 'table']);
    expect(await complete('ai-gateway logs ')).toEqual(Object.values(SERVICES).sort());
    expect(await complete('ai-gateway --dir key st')).toEqual(['start', 'status', 'stop']);
  });
});

describe('completion powershell', () => {
  it('registers a native completer holding every command path', async () => {
    const text = await script('powershell');
    expect(text).toContain("Register-ArgumentCompleter -Native -CommandName 'ai-gateway'");
    for (const node of pathNodes(spec)) expect(text).toContain(`    '${node.path}' = @{`);
    expect(text).toContain("'--output' = @('table', 'json', 'env')");
    // Balanced braces and parentheses (no PowerShell on this machine to parse it).
    for (const [open, close] of [['{', '}'], ['(', ')']] as const) {
      const stripped = text.replace(/'(?:[^']|'')*'/g, "''");
      expect(stripped.split(open).length, `${open}${close}`).toBe(stripped.split(close).length);
    }
  });
});
