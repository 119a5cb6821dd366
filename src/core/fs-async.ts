/**
 * The file calls the CLI makes on every run, as promises over node:fs's callback API.
 * node:fs/promises costs ~3 ms to load on a cold start (it pulls in readline, for
 * FileHandle.readLines); node:fs is loaded already. A handle is a descriptor with the few
 * operations atomic writes and the lock file need.
 */
import * as fs from 'node:fs';
import { promisify } from 'node:util';

export const readFile = promisify(fs.readFile);
export const stat = promisify(fs.stat);
export const rename = promisify(fs.rename);
export const rm = promisify(fs.rm);
export const mkdir = promisify(fs.mkdir);
export const readdir = promisify(fs.readdir);
export const link = promisify(fs.link);
export const chmod = promisify(fs.chmod);
export const access = promisify(fs.access);
export const chown = promisify(fs.chown);

const openFd = promisify(fs.open);
const fchmod = promisify(fs.fchmod);
const writeFd = promisify(fs.writeFile);
const fsync = promisify(fs.fsync);
const close = promisify(fs.close);

export interface FileHandle {
  chmod(mode: number): Promise<void>;
  writeFile(data: string | Uint8Array, encoding?: BufferEncoding): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export async function open(path: string, flags: number, mode?: number): Promise<FileHandle> {
  const fd = await openFd(path, flags, mode);
  return {
    chmod: (m) => fchmod(fd, m),
    writeFile: (data, encoding) => writeFd(fd, data, encoding ? { encoding } : {}),
    sync: () => fsync(fd),
    close: () => close(fd),
  };
}
