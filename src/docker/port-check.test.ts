import { describe, expect, it } from 'vitest';
import { EnvError } from '../core/errors.js';
import { renderError } from '../core/handle-error.js';
import type { GatewaySettings } from '../gateway/settings.js';
import { createTestContext } from '../testing/context.js';
import { fakeContainer, inspectJson } from '../testing/fake-docker.js';
import { parseInspect } from './containers.js';
import { findPortConflicts, portConflictError, type PortCheckDeps } from './port-check.js';

const settings: GatewaySettings = {
  projectName: 'gw',
  resourceProfile: 'medium',
  budgetProfile: 'test',
  nginx: true,
  bind: '127.0.0.1',
  exposePostgres: false,
  ports: { nginx: 3000, litellm: 4000 },
  images: { litellm: 'l', postgres: 'p', openWebui: 'o', nginx: 'n' },
};

function deps(busy: number[]): PortCheckDeps & { probed: number[] } {
  const probed: number[] = [];
  return {
    probed,
    isPortFree: async (port) => (probed.push(port), !busy.includes(port)),
    findPortOwner: async (_ctx, port) => (port === 3000 ? { kind: 'process', pid: 55, command: 'node: /usr/bin/node' } : null),
    findFreePort: async (preferred) => preferred + 7,
  };
}

describe('findPortConflicts', () => {
  it('finds nothing when every port is free', async () => {
    expect(await findPortConflicts(createTestContext(), settings, [], deps([]))).toEqual([]);
  });

  it('gives a port a second to be released (Docker\'s proxy right after a stop)', async () => {
    let probes = 0;
    const d = { ...deps([]), isPortFree: async () => ++probes >= 3 };
    expect(await findPortConflicts(createTestContext(), { ...settings, ports: { litellm: 4000 } }, [], d)).toEqual([]);
    expect(probes).toBe(3);
  });

  it('ignores ports held by our own running stack', async () => {
    const ours = parseInspect(JSON.stringify([inspectJson(fakeContainer('nginx', { ports: [{ containerPort: 80, hostIp: '127.0.0.1', hostPort: 3000 }] }))]));
    const d = deps([3000]);
    expect(await findPortConflicts(createTestContext(), settings, ours, d)).toEqual([]);
    expect(d.probed).toEqual([4000]); // 3000 is ours: not even probed
  });

  it('names the port, its holder, a free port and the setup flag that moves it', async () => {
    const ctx = createTestContext({ dir: '/srv/gw' });
    const conflicts = await findPortConflicts(ctx, settings, [], deps([3000]));
    expect(conflicts).toEqual([
      { service: 'nginx', port: 3000, purpose: 'API and Open WebUI (Nginx)', envKey: 'NGINX_PORT', owner: { kind: 'process', pid: 55, command: 'node: /usr/bin/node' }, suggestion: 3008 },
    ]);
    const error = portConflictError(ctx, settings, conflicts);
    expect(error).toBeInstanceOf(EnvError);
    expect(error.code).toBe('PORT_IN_USE');
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe('Cannot start: port 3000 on 127.0.0.1 (API and Open WebUI (Nginx)) is in use by process 55 (node: /usr/bin/node).');
    expect(error.hint).toContain('ai-gateway setup --dir /srv/gw --yes --nginx-port 3008');
    expect(error.hint).toContain('NGINX_PORT=3008');
    expect(renderError(error, ctx.out, 'start')).toBe(3);
  });

  it('suggests stopping another container that holds the port', async () => {
    const ctx = createTestContext();
    const error = portConflictError(ctx, settings, [
      { service: 'litellm', port: 4000, purpose: 'LiteLLM admin UI (direct)', envKey: 'LITELLM_PORT', owner: { kind: 'container', name: 'old_litellm_1', project: 'old', service: 'litellm' }, suggestion: 4001 },
    ]);
    expect(error.message).toContain('container "old_litellm_1" (Compose project "old", service litellm)');
    expect(error.hint).toContain('--litellm-port 4001');
    expect(error.hint).toContain('docker stop old_litellm_1');
  });
});
