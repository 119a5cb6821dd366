/**
 * The only POSIX-specific code in the CLI: file modes and termination signals.
 * On Windows there are no Unix modes; a file in the user's profile is protected by its ACL,
 * so we say that instead of failing (and `doctor` reports it as a note, not an error).
 */
import { chmod, stat } from 'node:fs/promises';

export type PlatformName = 'posix' | 'windows';

export interface Platform {
  name: PlatformName;
  /** Mode bits we set on secret-bearing files (null where modes do not exist). */
  secretFileMode: number | null;
  /** Make `path` readable by its owner only. Returns a note when the platform cannot. */
  protectFile(path: string): Promise<string | null>;
  /** Does the file's mode leak it to group/others? (always false where modes do not exist) */
  isExposed(mode: number): boolean;
  /** Signals that mean "stop now" for this platform. */
  terminationSignals: NodeJS.Signals[];
  /** How .env is protected here, for README/doctor wording. */
  protectionNote: string;
}

export const WINDOWS_PROTECTION_NOTE =
  'Windows has no Unix file modes: .env is protected by the access control list of the folder it is in. ' +
  'Keep the gateway directory inside your user profile (not a shared folder).';

export function platformFor(name: PlatformName): Platform {
  if (name === 'windows') {
    return {
      name,
      secretFileMode: null,
      protectFile: async () => WINDOWS_PROTECTION_NOTE,
      isExposed: () => false,
      terminationSignals: ['SIGINT', 'SIGBREAK'],
      protectionNote: WINDOWS_PROTECTION_NOTE,
    };
  }
  return {
    name,
    secretFileMode: 0o600,
    protectFile: async (path) => {
      await chmod(path, 0o600);
      return null;
    },
    isExposed: (mode) => (mode & 0o077) !== 0,
    terminationSignals: ['SIGINT', 'SIGTERM', 'SIGHUP'],
    protectionNote: 'Files holding secrets are mode 600 (owner read/write only).',
  };
}

export const currentPlatform: Platform = platformFor(process.platform === 'win32' ? 'windows' : 'posix');

export async function fileMode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}
