/**
 * stack.logs: how much disk the containers' logs may take, and take. The bound is the log
 * configuration each container was created with (HostConfig.LogConfig: max-size x max-file),
 * which `docker inspect` gives any user of the engine. The actual size needs the json-file itself
 * (LogPath under /var/lib/docker, readable by root only), so it is added when readable. Docker
 * offers docker-group users no log sizes (`docker system df -v` counts layers and volumes, not
 * logs), and counting `docker logs` bytes would read every log in full on each doctor run.
 */
import { stat } from 'node:fs/promises';
import type { ContainerInfo } from '../../../docker/containers.js';
import { gatewayCommand } from '../../../core/shell.js';
import { logSizeBytes } from '../../../gateway/settings.js';
import { ok, skip, warn, type Check } from '../registry.js';

/** More than this in one gateway's logs is worth a look even when bounded. */
export const LOG_WARN_BYTES = 1024 ** 3;

export interface ContainerLogVolume {
  service: string;
  driver: string | null;
  maxSize: string | null;
  maxFiles: number | null;
  /** The most its logs can take (max-size x max-file); null: unbounded (or a driver that keeps no local file). */
  boundBytes: number | null;
  /** The json-file and its rotated files now; null: not readable (only root reads /var/lib/docker). */
  sizeBytes: number | null;
}

/** Drivers that write local files Docker rotates with max-size / max-file. */
const LOCAL_DRIVERS = new Set(['json-file', 'local']);

export async function logVolume(container: ContainerInfo): Promise<ContainerLogVolume> {
  const driver = container.logConfig?.driver ?? null;
  const options = container.logConfig?.options ?? {};
  const local = driver === null || LOCAL_DRIVERS.has(driver);
  // The local driver rotates by default (20m x 5); json-file does not.
  const maxSize = options['max-size'] ?? (driver === 'local' ? '20m' : null);
  const maxFiles = maxSize === null ? null : Number(options['max-file'] ?? (driver === 'local' ? 5 : 1));
  const sizeEach = maxSize === null ? null : logSizeBytes(maxSize);
  return {
    service: container.service ?? container.name,
    driver,
    maxSize,
    maxFiles,
    boundBytes: local && sizeEach !== null && maxFiles !== null && Number.isFinite(maxFiles) ? sizeEach * maxFiles : null,
    sizeBytes: local && container.logPath ? await filesSize(container.logPath, maxFiles ?? 1) : null,
  };
}

/** The log file and its rotated siblings (`.1`, `.2`, ... and `.N.gz` with compress=true); null when the log itself cannot be read. */
async function filesSize(logPath: string, maxFiles: number): Promise<number | null> {
  const size = (path: string) => stat(path).then((s) => s.size, () => null);
  const current = await size(logPath);
  if (current === null) return null;
  const rotated = Array.from({ length: Math.max(0, maxFiles - 1) }, (_, i) => [`${logPath}.${i + 1}`, `${logPath}.${i + 1}.gz`]).flat();
  const sizes = await Promise.all(rotated.map(size));
  return sizes.reduce<number>((sum, s) => sum + (s ?? 0), current);
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} kB`;
  return `${bytes} B`;
}

export const logs: Check = {
  id: 'stack.logs',
  group: 'stack',
  title: 'container logs bounded',
  dependsOn: ['environment.daemon', 'files.env'],
  async run(ctx, state) {
    const found = [...(await state.containers()).values()];
    if (found.length === 0) skip('the stack has no containers');
    const volumes = await Promise.all(found.map(logVolume));
    const details = { containers: volumes };
    const unbounded = volumes.filter((v) => v.boundBytes === null && (v.driver === null || LOCAL_DRIVERS.has(v.driver)));
    if (unbounded.length > 0) {
      return warn(
        `Logs without rotation (they grow until the disk is full): ${unbounded.map((v) => `${v.service}${v.sizeBytes === null ? '' : ` (${formatBytes(v.sizeBytes)} now)`}`).join(', ')}.`,
        `"${gatewayCommand(ctx, 'setup')}" renders the compose files with rotation (LOG_MAX_SIZE, LOG_MAX_FILES), then "${gatewayCommand(ctx, 'start')}" recreates the containers with it.`,
        details,
      );
    }
    const known = volumes.filter((v) => v.sizeBytes !== null);
    const total = known.reduce((sum, v) => sum + (v.sizeBytes ?? 0), 0);
    const bound = volumes.reduce((sum, v) => sum + (v.boundBytes ?? 0), 0);
    const perContainer = volumes.map((v) => `${v.service} ${v.sizeBytes === null ? '' : `${formatBytes(v.sizeBytes)} of `}${v.boundBytes === null ? `no local file (${v.driver})` : `${v.maxFiles} x ${v.maxSize}`}`).join(', ');
    if (total > LOG_WARN_BYTES) {
      return warn(
        `Container logs take ${formatBytes(total)} (${perContainer}).`,
        `Keep less with "${gatewayCommand(ctx, 'setup --log-max-size 10m --log-max-files 3')}", then "${gatewayCommand(ctx, 'start')}".`,
        details,
      );
    }
    const measured = known.length === volumes.length ? `${formatBytes(total)} now, ` : known.length === 0 ? '' : `${formatBytes(total)} readable now, `;
    return ok(`Logs rotated: ${measured}at most ${formatBytes(bound)} in all (${perContainer})${known.length < volumes.length ? '; sizes need root to read' : ''}`, details);
  },
};
