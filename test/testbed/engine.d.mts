// Types for engine.mjs.
export interface RunResult {
  /** Exit code; null when the command could not start or timed out. */
  code: number | null;
  stdout: string;
  stderr: string;
}
/** Run a command; never throws. */
export function run(file: string, args: string[], options?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
/** True when `docker info` answers within 15 s. Never throws. */
export function dockerAvailable(): Promise<boolean>;
/** Use a running engine or (as root) start dockerd detached; polls up to waitMs (default 60 s). */
export function ensureDockerEngine(options?: { log?: (line: string) => void; waitMs?: number }): Promise<{ ok: boolean; reason: string }>;
