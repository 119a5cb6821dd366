/**
 * Compose version strings, as every variant prints them: `2.29.1`, `v2.29.1`, `1.29.2`,
 * `2.40.3-desktop.1`, or a whole sentence (`docker-compose version 1.29.2, build unknown`).
 * Sentry's self-hosted installer mis-parsed these for years; we take the first x.y[.z] found.
 */
export interface ParsedVersion {
  major: number;
  minor: number;
  patch: number;
  /** What the tool printed, trimmed (for messages). */
  raw: string;
}

const VERSION = /(?:^|[^\d.])v?(\d+)\.(\d+)(?:\.(\d+))?/;

export function parseVersion(text: string): ParsedVersion | null {
  const match = VERSION.exec(text.trim());
  if (!match) return null;
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: match[3] === undefined ? 0 : Number(match[3]),
    raw: `${match[1]}.${match[2]}${match[3] === undefined ? '' : `.${match[3]}`}`,
  };
}

export function compareVersions(a: Pick<ParsedVersion, 'major' | 'minor' | 'patch'>, b: Pick<ParsedVersion, 'major' | 'minor' | 'patch'>): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** Oldest Compose we drive: v1 needs 1.29 for `depends_on: condition` with the spec format. */
export const MINIMUM_COMPOSE = {
  v1: { major: 1, minor: 29, patch: 0 },
  v2: { major: 2, minor: 0, patch: 0 },
} as const;

export function formatVersion(v: Pick<ParsedVersion, 'major' | 'minor' | 'patch'>): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}
