/**
 * `.env` as a document, not a dictionary: comments, blank lines, ordering and keys we do not
 * know all survive a rewrite. Only the keys we set change, in place. A line that cannot be
 * parsed is an error naming its line number (the original silently dropped such lines).
 */
import { parse as parseDotenv } from 'dotenv';
import { UserError } from '../core/errors.js';

type Line =
  | { kind: 'text'; raw: string } // blank line or comment
  | { kind: 'entry'; key: string; value: string; raw: string; exported: boolean };

const ENTRY = /^\s*(export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=(.*)$/;

export class EnvFile {
  private constructor(private lines: Line[]) {}

  static empty(): EnvFile {
    return new EnvFile([]);
  }

  /** @param fileLabel used in error messages, e.g. "/srv/gw/.env" */
  static parse(text: string, fileLabel = '.env'): EnvFile {
    const lines: Line[] = [];
    const rawLines = text.replace(/\r\n/g, '\n').split('\n');
    if (rawLines.at(-1) === '') rawLines.pop();
    rawLines.forEach((raw, index) => {
      const trimmed = raw.trim();
      if (trimmed === '' || trimmed.startsWith('#')) {
        lines.push({ kind: 'text', raw });
        return;
      }
      const match = ENTRY.exec(raw);
      if (!match) {
        throw new UserError('ENV_PARSE_ERROR', `${fileLabel} line ${index + 1} is not KEY=VALUE: ${preview(raw)}`, {
          hint: `Fix or remove that line in ${fileLabel} (comments start with #), then run the command again.`,
          details: { file: fileLabel, line: index + 1 },
        });
      }
      const [, exported, key, rest = ''] = match as unknown as [string, string | undefined, string, string];
      const value = parseValue(rest, () => {
        throw new UserError('ENV_PARSE_ERROR', `${fileLabel} line ${index + 1}: the value of ${key} has an unterminated quote.`, {
          hint: `Close the quote on line ${index + 1} of ${fileLabel}, then run the command again.`,
          details: { file: fileLabel, line: index + 1 },
        });
      });
      lines.push({ kind: 'entry', key, value, raw, exported: Boolean(exported) });
    });
    return new EnvFile(lines);
  }

  get(key: string): string | undefined {
    // Like dotenv and Compose: the last assignment wins.
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const line = this.lines[i];
      if (line?.kind === 'entry' && line.key === key) return line.value;
    }
    return undefined;
  }

  /** Keys assigned more than once, with their 1-based line numbers (the last one counts). */
  duplicateKeys(): { key: string; lines: number[] }[] {
    const seen = new Map<string, number[]>();
    this.lines.forEach((line, index) => {
      if (line.kind === 'entry') seen.set(line.key, [...(seen.get(line.key) ?? []), index + 1]);
    });
    return [...seen].filter(([, lines]) => lines.length > 1).map(([key, lines]) => ({ key, lines }));
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  keys(): string[] {
    return [...new Set(this.lines.flatMap((l) => (l.kind === 'entry' ? [l.key] : [])))];
  }

  toRecord(): Record<string, string> {
    const record: Record<string, string> = {};
    for (const line of this.lines) if (line.kind === 'entry') record[line.key] = line.value;
    return record;
  }

  /**
   * Set a key. An existing key is changed in place (its comments stay above it); a new key is
   * appended, preceded by `comment` lines when given (and not already present).
   */
  set(key: string, value: string, comment: string[] = []): void {
    const raw = `${key}=${formatValue(value)}`;
    let found = false;
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const line = this.lines[i];
      if (line?.kind === 'entry' && line.key === key) {
        // Only the last assignment counts (and changes); earlier ones stay, they are the user's
        // lines, and duplicateKeys() lets callers warn about them.
        if (line.value !== value) this.lines[i] = { kind: 'entry', key, value, raw: (line.exported ? 'export ' : '') + raw, exported: line.exported };
        found = true;
        break;
      }
    }
    if (found) return;
    const commentLines = comment.map((c) => (c === '' ? '' : `# ${c}`));
    const alreadyThere = commentLines.length > 0 && this.containsSequence(commentLines);
    if (this.lines.length > 0 && this.lines.at(-1)?.raw.trim() !== '' && !alreadyThere) this.lines.push({ kind: 'text', raw: '' });
    if (!alreadyThere) for (const c of commentLines) this.lines.push({ kind: 'text', raw: c });
    this.lines.push({ kind: 'entry', key, value, raw, exported: false });
  }

  delete(key: string): boolean {
    const before = this.lines.length;
    this.lines = this.lines.filter((l) => !(l.kind === 'entry' && l.key === key));
    return this.lines.length !== before;
  }

  toString(): string {
    return `${this.lines.map((l) => l.raw).join('\n')}\n`;
  }

  private containsSequence(seq: string[]): boolean {
    const raws = this.lines.map((l) => l.raw);
    return raws.some((_, i) => seq.every((s, j) => raws[i + j] === s));
  }
}

function parseValue(rest: string, unterminated: () => never): string {
  const trimmed = rest.trim();
  const quote = trimmed[0];
  if ((quote === '"' || quote === "'" || quote === '`') && trimmed.indexOf(quote, 1) === -1) unterminated();
  // dotenv knows quoting, escapes and inline comments exactly as the ecosystem reads them.
  return parseDotenv(`K=${rest}`).K ?? '';
}

/** Values we write are quoted only when they must be, so Compose v1 and v2 read them the same. */
export function formatValue(value: string): string {
  if (/^[A-Za-z0-9_\-./:@+,%=]*$/.test(value)) return value;
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function preview(raw: string): string {
  // Never echo a whole line: it may hold a secret.
  const head = raw.trim().slice(0, 12);
  return `"${head}${raw.trim().length > 12 ? '…' : ''}"`;
}
