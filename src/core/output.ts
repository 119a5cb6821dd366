/**
 * One output abstraction (docs/output.md):
 * - human mode: progress, warnings and spinners on stderr; the command's result on stdout;
 * - --json mode: exactly one JSON document on stdout, nothing decorative anywhere.
 * Every string that leaves the process passes through `redact`, so registered secrets
 * (master key, salt key, passwords, provider keys) can never be printed by accident.
 */
import { stripVTControlCharacters, styleText } from 'node:util';
import { SCHEMA_VERSION } from './schema-version.js';

export interface Writable {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface Spinner {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const plain: Style = {
  bold: (s) => s,
  dim: (s) => s,
  red: (s) => s,
  green: (s) => s,
  yellow: (s) => s,
  cyan: (s) => s,
};

/**
 * Colours by Node's own `util.styleText`. Whether to colour at all is decided once, from the
 * injected environment (colorEnabled in context.ts: --no-color, NO_COLOR, FORCE_COLOR, a TTY),
 * so styleText is told not to look at process.stdout itself (`validateStream: false`; Node
 * 22.12 has no such check and ignores the option).
 */
const paint = (format: 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan') => (s: string) => styleText(format, s, { validateStream: false });
const colored: Style = {
  bold: paint('bold'),
  dim: paint('dim'),
  red: paint('red'),
  green: paint('green'),
  yellow: paint('yellow'),
  cyan: paint('cyan'),
};

export interface OutputOptions {
  json: boolean;
  color: boolean;
  verbose: boolean;
  stdout: Writable;
  stderr: Writable;
  /** Spinners only on an interactive stderr; tests and CI get plain lines. */
  spinners: boolean;
}

export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly style: Style;
  private readonly secrets = new Set<string>();
  private readonly warnings: string[] = [];

  constructor(private readonly options: OutputOptions) {
    this.json = options.json;
    this.verbose = options.verbose;
    this.style = options.color && !options.json ? colored : plain;
  }

  /** Register a value that must never be printed. Short values are ignored (they would mask noise). */
  addSecret(value: string | undefined): void {
    if (value && value.length >= 8) this.secrets.add(value);
  }

  /** Stop masking a value the user explicitly asked to see (`status -o env` prints the virtual key). */
  reveal(value: string): void {
    this.secrets.delete(value);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(maskSecret(secret));
    }
    return out;
  }

  /** Progress for humans (stderr). Silent in --json mode. */
  info(message: string): void {
    if (!this.json) this.err(message);
  }

  step(message: string): void {
    if (!this.json) this.err(`${this.style.cyan('›')} ${message}`);
  }

  success(message: string): void {
    if (!this.json) this.err(`${this.style.green('✔')} ${message}`);
  }

  /** Warnings go to stderr in both modes and are repeated in the JSON document. */
  warn(message: string): void {
    this.warnings.push(this.redact(message));
    this.err(this.json ? `warning: ${message}` : `${this.style.yellow('!')} ${message}`);
  }

  /**
   * Progress of long work a person may watch (image pulls): stderr in both modes, so --json keeps
   * stdout one document while a log still shows that something moves.
   */
  progress(message: string): void {
    this.err(message);
  }

  /** Spinners redraw in place (an interactive stderr, not --json). */
  get live(): boolean {
    return !this.json && this.options.spinners;
  }

  debug(message: string): void {
    if (this.verbose) this.err(this.style.dim(`[debug] ${message}`));
  }

  /** Write the command's result: human text on stdout, or the single JSON document. */
  result(command: string, data: object, renderHuman: (data: never, style: Style) => string, ok = true): void {
    if (this.json) {
      const doc = { schemaVersion: SCHEMA_VERSION, command, ok, ...data, warnings: this.warnings };
      this.options.stdout.write(`${this.redact(JSON.stringify(doc, null, 2))}\n`);
      return;
    }
    const text = renderHuman(data as never, this.style);
    if (text) this.options.stdout.write(`${this.redact(text)}${text.endsWith('\n') ? '' : '\n'}`);
  }

  /** Raw stdout for streaming commands (logs --follow). */
  raw(chunk: string): void {
    this.options.stdout.write(this.redact(chunk));
  }

  errorDocument(doc: object): void {
    const full = { schemaVersion: SCHEMA_VERSION, ok: false, ...doc, warnings: this.warnings };
    this.options.stdout.write(`${this.redact(JSON.stringify(full, null, 2))}\n`);
  }

  err(message: string): void {
    this.options.stderr.write(`${this.redact(message)}\n`);
  }

  /** A spinner on a TTY; elsewhere a line per update so logs stay readable. */
  async spinner(text: string): Promise<Spinner> {
    if (this.json) return silentSpinner;
    if (!this.options.spinners) {
      this.err(`… ${text}`);
      let last = text;
      return {
        update: (t) => {
          if (t !== last) this.err(`… ${t}`);
          last = t;
        },
        succeed: (t) => this.success(t ?? last),
        fail: (t) => this.err(`${this.style.red('✖')} ${t ?? last}`),
        stop: () => {},
      };
    }
    const { default: ora } = await import('ora');
    const stream = this.options.stderr as NodeJS.WritableStream;
    const spin = ora({ text: this.redact(text), stream, color: 'cyan' }).start();
    return {
      update: (t) => {
        spin.text = this.redact(t);
      },
      succeed: (t) => spin.succeed(t === undefined ? undefined : this.redact(t)),
      fail: (t) => spin.fail(t === undefined ? undefined : this.redact(t)),
      stop: () => spin.stop(),
    };
  }
}

const silentSpinner: Spinner = { update() {}, succeed() {}, fail() {}, stop() {} };

/** `sk-abc…wxyz`: enough to recognise a key, never enough to use it. */
export function maskSecret(secret: string): string {
  if (secret.length <= 8) return '****';
  const head = secret.startsWith('sk-') ? 'sk-' : secret.slice(0, 2);
  return `${head}…${secret.slice(-4)}`;
}

/** Simple aligned table for human output. */
export function table(headers: string[], rows: string[][], style: Style = plain): string {
  const widths = headers.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells.map((c, i) => c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(c)))).join('  ').trimEnd();
  return [style.bold(line(headers)), ...rows.map(line)].join('\n');
}

function visibleLength(s: string): number {
  return stripVTControlCharacters(s).length;
}
