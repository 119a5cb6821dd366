/**
 * The oldest Nginx that can load the gateway's nginx.conf, and what an image reference says about
 * its version. The upstream blocks use `server NAME resolve` (re-resolving container names), which
 * open-source Nginx has since 1.27.3; an older Nginx refuses the file and the container restarts.
 */

export const NGINX_MIN_VERSION = '1.27.3';

function parts(version: string): number[] {
  return version.split('.').map((n) => Number.parseInt(n, 10) || 0);
}

/** Compares dotted versions numerically ("1.27.10" > "1.27.3"). */
export function versionAtLeast(version: string, floor: string): boolean {
  const a = parts(version);
  const b = parts(floor);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** Official Nginx repositories whose tags start with the Nginx version (1.29-alpine, 1.26.3, ...). */
const OFFICIAL = /^(?:(?:docker\.io|registry-1\.docker\.io|mirror\.gcr\.io)\/)?(?:library\/)?nginx$|^(?:docker\.io\/)?nginxinc\/nginx-unprivileged$/;

/**
 * The Nginx version an image reference pins, when its tag names one and it is below the floor;
 * null when it is new enough or cannot be known from the name (mainline/alpine/stable/latest are
 * all >= 1.27.3 today; a mirror or a digest says nothing).
 */
export function nginxImageTooOld(image: string): string | null {
  const withoutDigest = image.split('@')[0] ?? image;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon <= slash) return null;
  const repository = withoutDigest.slice(0, colon);
  const tag = withoutDigest.slice(colon + 1);
  if (!OFFICIAL.test(repository)) return null;
  const version = /^(\d+)\.(\d+)(?:\.(\d+))?(?:$|-)/.exec(tag);
  if (!version) return null;
  // "1.27" follows the newest 1.27.x, which has `resolve`; only a named older patch is too old.
  const named = version[3] === undefined ? `${version[1]}.${version[2]}.999` : `${version[1]}.${version[2]}.${version[3]}`;
  return versionAtLeast(named, NGINX_MIN_VERSION) ? null : `${version[1]}.${version[2]}${version[3] === undefined ? '' : `.${version[3]}`}`;
}
