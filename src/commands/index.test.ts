import type { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { createProgram } from '../program.js';
import type { ProcessIo } from '../core/context.js';
import { COMMANDS, invokedCommand } from './index.js';

const io: ProcessIo = { env: {}, cwd: '/', stdout: { write: () => true }, stderr: { write: () => true }, stdinIsTTY: false };
const argv = (...args: string[]) => ['node', 'ai-gateway', ...args];

/** Every command's help, depth first (key's subcommands included). */
function helpTexts(command: Command, prefix = ''): Map<string, string> {
  const texts = new Map<string, string>();
  for (const sub of command.commands) {
    const name = `${prefix}${sub.name()}`;
    texts.set(name, sub.helpInformation());
    for (const [k, v] of helpTexts(sub, `${name} `)) texts.set(k, v);
  }
  return texts;
}

describe('building only the invoked command', () => {
  it('finds the command past global options and their values', () => {
    expect(invokedCommand(['--dir', 'gw', '--json', 'key', 'create', '--alias', 'x'])).toEqual(['key', 'create']);
    expect(invokedCommand(['-d', 'models', 'status'])).toEqual(['status']);
    expect(invokedCommand(['--dir=gw', '-y', 'setup', '--profile', 'small'])).toEqual(['setup', 'small']);
    expect(invokedCommand(['--help'])).toEqual([]);
    expect(invokedCommand([])).toEqual([]);
  });

  it('a command built alone has exactly the help (flags, arguments, subcommands) it has among all the others', () => {
    const full = helpTexts(createProgram(io));
    for (const path of full.keys()) {
      const alone = helpTexts(createProgram(io, argv('--dir', '/tmp', ...path.split(' '), '--json')));
      expect(alone.get(path), path).toBe(full.get(path));
    }
  });

  it('the root help lists every command, as when all are built; an unknown command builds everything (so "did you mean" knows them all)', () => {
    const full = createProgram(io).helpInformation();
    for (const args of [['--help'], ['-h'], ['--json', '--help'], ['--dir', 'gw', '-h']]) expect(createProgram(io, argv(...args)).helpInformation(), args.join(' ')).toBe(full);
    // The listed commands carry their options without wiring them (no listeners for option events).
    const listed = createProgram(io, argv('--help')).commands.find((c) => c.name() === 'setup');
    expect(listed?.options.length).toBeGreaterThan(10);
    const listeners = (c: unknown) => (c as EventEmitter).listenerCount('option:profile');
    expect(listeners(listed)).toBe(0);
    expect(listeners(createProgram(io, argv('setup', '--help')).commands[0])).toBe(1);
    const typo = createProgram(io, argv('stup'));
    expect(typo.commands.every((c) => c.options.length > 0 || c.commands.length > 0 || c.registeredArguments.length > 0)).toBe(true);
  });

  it('a run that names its command builds that one only', () => {
    expect(createProgram(io, argv('models')).commands.map((c) => c.name())).toEqual(['models']);
    const key = createProgram(io, argv('key', 'rotate', 'app')).commands.find((c) => c.name() === 'key');
    expect(key?.commands.map((c) => c.name())).toEqual(['rotate']);
    expect(createProgram(io, argv('--help')).commands.map((c) => c.name())).toEqual(COMMANDS.map(([name]) => name));
    // `key --help` and a misspelt subcommand build every subcommand
    expect(createProgram(io, argv('key', '--help')).commands.find((c) => c.name() === 'key')?.commands.every((c) => c.options.length > 0)).toBe(true);
    expect(createProgram(io, argv('key', 'craete')).commands.find((c) => c.name() === 'key')?.commands.every((c) => c.options.length > 0)).toBe(true);
  });
});

describe('help', () => {
  it("every command's and subcommand's --help lists the global options", () => {
    const texts = helpTexts(createProgram(io));
    expect(texts.size).toBeGreaterThan(COMMANDS.length); // key's subcommands are in
    for (const [path, text] of texts) {
      const globals = text.slice(text.indexOf('Global Options:'));
      expect(text, path).toContain('Global Options:');
      for (const flag of ['-d, --dir <path>', '--json', '-y, --yes', '--no-color', '--verbose']) expect(globals, `${path}: ${flag}`).toContain(flag);
    }
  });
});

