/**
 * The few node:crypto calls the CLI makes. node:crypto costs ~11 ms to load on a cold start, and
 * most runs never need it: random bytes (secrets, temp file names) come straight from the
 * kernel's CSPRNG (/dev/urandom, the source node:crypto itself draws on) where there is one, and
 * node:crypto is loaded on first use for hashing, or for random bytes on Windows.
 */
const crypto = () => process.getBuiltinModule('node:crypto');

export function randomBytes(size: number): Buffer {
  if (process.platform !== 'win32') {
    const fs = process.getBuiltinModule('node:fs');
    let fd: number | undefined;
    try {
      fd = fs.openSync('/dev/urandom', 'r');
      const bytes = Buffer.alloc(size);
      let filled = 0;
      while (filled < size) filled += fs.readSync(fd, bytes, filled, size - filled, null);
      return bytes;
    } catch {
      // no /dev/urandom (a chroot, a sandbox): node:crypto below
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
  return crypto().randomBytes(size);
}

export function sha256Hex(data: string | Buffer): string {
  return crypto().createHash('sha256').update(data).digest('hex');
}
