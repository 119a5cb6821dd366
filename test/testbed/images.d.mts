// Types for images.mjs.
export interface TestImages {
  base: string;
  /** Like postgres:16 (PostgreSQL 15 inside). */
  postgres: string;
  /** Like docker.litellm.ai/berriai/litellm:main-stable (the Node stand-in). */
  litellm: string;
  /** Like ghcr.io/open-webui/open-webui:main (the Node stand-in). */
  openWebui: string;
  /** Like nginx:alpine (Debian forky's nginx-light, >= 1.27.3, inside). */
  nginx: string;
  /** Like redis:7.4-alpine (Debian's redis-server 7.0 inside). */
  redis: string;
  /** The LiteLLM image reporting a newer version: a different image to roll to. */
  litellmNext: string;
  /** LiteLLM image with STANDIN_FAULT=never-ready. */
  litellmNeverReady: string;
  /** LiteLLM image with STANDIN_FAULT=exit-after-boot. */
  litellmExitAfterBoot: string;
  /** The LiteLLM stand-in holding 256 MB from boot on (STANDIN_ALLOCATE_MB). */
  litellmAllocates: string;
}
export const BASE_SPEC: { suite: string; variant: string; mirror: string; include: string[] };
export function cacheDir(): string;
export const NGINX_SPEC: { suite: string; script: string; variant: string; mirror: string; include: string[] };
export function specHash(spec: { include: string[] }): string;
export function baseHash(): string;
/** Where a spec's debootstrapped root filesystem is cached. */
export function rootfsPath(spec: { include: string[] }): string;
/** The forky root filesystem with nginx >= 1.27.3 (debootstrap once, root needed); returns its path. */
export function ensureNginxRootfs(options?: { log?: (line: string) => void }): Promise<string>;
export function ensureBaseImage(options?: { log?: (line: string) => void }): Promise<string>;
/** Build whatever is missing (content-hash tags) and return the image references. */
export function ensureTestImages(options?: { log?: (line: string) => void }): Promise<TestImages>;
