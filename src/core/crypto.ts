/**
 * The few node:crypto calls the CLI makes, loading node:crypto on first use: it costs ~15 ms of
 * CPU to load (BENCHMARKS.md, keys), and most runs (models, key list, status) never need it.
 */
const crypto = () => process.getBuiltinModule('node:crypto');

export function randomBytes(size: number): Buffer {
  return crypto().randomBytes(size);
}

export function sha256Hex(data: string | Buffer): string {
  return crypto().createHash('sha256').update(data).digest('hex');
}
