/**
 * .gitignore lines that keep secrets and backups out of git. An existing .gitignore is merged:
 * missing lines are appended, nothing of the user's is removed or reordered.
 */
// .ai-gateway/ holds what `start` recorded (file fingerprints, container ids) for drift detection.
// tls/key.pem: the private key of HTTPS at Nginx (setup --tls-cert/--tls-key or --tls self-signed).
export const GITIGNORE_LINES = ['.env', '.env.backup.*', 'backups/', '*.ai-gateway-tmp', '.ai-gateway.lock', '.ai-gateway/', 'tls/key.pem'] as const;

const HEADER = '# ai-gateway: secrets, backups and temporary files never go to git';

export function renderGitignore(existing: string | null): string {
  const present = new Set((existing ?? '').split(/\r?\n/).map((l) => l.trim()));
  const missing = GITIGNORE_LINES.filter((l) => !present.has(l) && !present.has(`/${l}`));
  if (existing !== null && missing.length === 0) return existing;
  const base = existing === null || existing === '' ? '' : existing.endsWith('\n') ? `${existing}\n` : `${existing}\n\n`;
  const header = present.has(HEADER) ? [] : [HEADER];
  return `${base}${[...header, ...missing].join('\n')}\n`;
}
