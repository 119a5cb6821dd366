import { describe, expect, it } from 'vitest';
import { EnvFile } from '../../gateway/env-file.js';
import { createTestContext } from '../../testing/context.js';
import type { Resolver } from './answers/resolver.js';
import { resolveExposeAdmin } from './expose-admin.js';

function resolver(options: { exposeAdmin?: boolean }, env: Record<string, string> = {}, prior: string | null = null): Resolver {
  const ctx = createTestContext({ env });
  return { ctx, options, probes: {}, prior: prior === null ? null : EnvFile.parse(prior), ourPorts: new Set(), warnings: [] } as unknown as Resolver;
}

describe('--expose-admin', () => {
  it('defaults to no: behind Nginx, LiteLLM\'s admin port stays on 127.0.0.1', () => {
    const r = resolver({});
    expect(resolveExposeAdmin(r, true)).toBe(false);
    expect(r.warnings).toEqual([]);
  });

  it('flag, then AI_GATEWAY_EXPOSE_ADMIN, then EXPOSE_ADMIN in .env; exposing warns what it opens', () => {
    const r = resolver({ exposeAdmin: true });
    expect(resolveExposeAdmin(r, true)).toBe(true);
    expect(r.warnings.join('\n')).toMatch(/admin port .* is published on BIND_ADDRESS/);
    expect(resolveExposeAdmin(resolver({}, { AI_GATEWAY_EXPOSE_ADMIN: 'yes' }), true)).toBe(true);
    expect(resolveExposeAdmin(resolver({}, {}, 'EXPOSE_ADMIN=yes\n'), true)).toBe(true);
    expect(resolveExposeAdmin(resolver({ exposeAdmin: false }, { AI_GATEWAY_EXPOSE_ADMIN: 'yes' }, 'EXPOSE_ADMIN=yes\n'), true)).toBe(false);
  });

  it('a bad value names its source; without Nginx the flag has no effect and says so', () => {
    expect(() => resolveExposeAdmin(resolver({}, { AI_GATEWAY_EXPOSE_ADMIN: 'maybe' }), true)).toThrow('AI_GATEWAY_EXPOSE_ADMIN must be yes or no, got "maybe".');
    const r = resolver({ exposeAdmin: true });
    expect(resolveExposeAdmin(r, false)).toBe(false);
    expect(r.warnings).toEqual(['--expose-admin has no effect without Nginx: LiteLLM is the API door and is published on --bind.']);
  });
});
