/**
 * The command tree as the completion scripts need it, read from the commander program itself
 * (commands, subcommands, flags, which flags take a value, their choices, positional arguments),
 * so a flag added to any `*.command.ts` is completed without touching this folder. Light: it
 * imports commander's types only, because completion.command.ts runs it before the handler loads.
 */
import type { Command, Option } from 'commander';

/** The shells `completion` writes scripts for. */
export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;

export interface OptionSpec {
  /** Every spelling: ["-d", "--dir"]. */
  flags: string[];
  description: string;
  /** The value's name when the flag takes one ("path" for `--dir <path>`), else null. */
  value: string | null;
  /** Values commander accepts (Option.choices), else null. */
  choices: string[] | null;
}

export interface ArgumentSpec {
  name: string;
  variadic: boolean;
  choices: string[] | null;
}

export interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  arguments: ArgumentSpec[];
  commands: CommandSpec[];
}

function optionSpec(option: Option): OptionSpec {
  const value = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1] ?? null;
  return {
    flags: [option.short, option.long].filter((f): f is string => typeof f === 'string'),
    description: option.description,
    value: option.required || option.optional ? (value ?? 'value') : null,
    choices: option.argChoices ? [...option.argChoices] : null,
  };
}

const HELP: OptionSpec = { flags: ['-h', '--help'], description: 'display help for command', value: null, choices: null };

/** `command` and everything below it. The root's options are the global ones (valid after any command too). */
export function describeCommand(command: Command): CommandSpec {
  const options = command.options.filter((o) => !o.hidden).map(optionSpec);
  return {
    name: command.name(),
    description: command.description(),
    options: [...options, HELP],
    arguments: command.registeredArguments.map((a) => ({ name: a.name(), variadic: a.variadic, choices: a.argChoices ? [...a.argChoices] : null })),
    commands: command.commands.map(describeCommand),
  };
}
