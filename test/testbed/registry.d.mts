// Types for registry.mjs.
/** null when Debian's docker-registry is installed, else why not. */
export function registryUnavailable(): Promise<string | null>;
export function startRegistry(options?: { log?: (line: string) => void }): Promise<{ port: number; host: string; dir: string; stop: () => Promise<void> }>;
export function startThrottledRelay(options: { targetPort: number; bytesPerSecond: number }): Promise<{
  port: number;
  host: string;
  bytesRelayed: () => number;
  close: () => Promise<void>;
}>;
/** Pushes `source` + a layer of random bytes as pushHost/name:<random tag>; returns pullHost/name:<tag> (the engine lacks that layer). */
export function pushPaddedImage(options: { source: string; pushHost: string; pullHost: string; name: string; padBytes: number; log?: (line: string) => void }): Promise<string>;
export function removeImages(refs: string[]): Promise<void>;
