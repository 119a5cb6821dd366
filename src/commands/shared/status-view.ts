/**
 * What `start` and `status` show about a stack: one row per service, the URLs (with the LAN
 * address when bound to all interfaces), and the renderers for both commands.
 */
import { networkInterfaces } from 'node:os';
import type { ContainerInfo } from '../../docker/containers.js';
import { table, type Style } from '../../core/output.js';
import { gatewayUrls, type GatewaySettings, type GatewayUrls } from '../../gateway/settings.js';

export interface ServiceRow {
  service: string;
  /** Container state, or "missing" when the service has no container. */
  state: string;
  /** healthy / unhealthy / starting, or null without a healthcheck (or without a container). */
  health: string | null;
  /** Published ports, "127.0.0.1:3000->80/tcp". */
  ports: string[];
  image: string | null;
  container: string | null;
  containerId: string | null;
  exitCode: number | null;
  startedAt: string | null;
  /** ENGINE=swarm: tasks running/desired ("2/2"), and the service's update state while it has one. */
  replicas?: string;
  update?: string;
  /** Its last run was killed for exceeding its memory limit (docker inspect State.OOMKilled). */
  oomKilled: boolean;
}

export function serviceRows(services: string[], containers: Map<string, ContainerInfo>): ServiceRow[] {
  const names = [...services, ...[...containers.keys()].filter((s) => !services.includes(s)).sort()];
  return names.map((service) => {
    const c = containers.get(service);
    return {
      service,
      state: c?.state ?? 'missing',
      health: c?.health ?? null,
      ports: (c?.ports ?? []).map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`),
      image: c?.image ?? null,
      container: c?.name ?? null,
      containerId: c ? c.id.slice(0, 12) : null,
      exitCode: c && (c.state === 'exited' || c.state === 'dead' || c.state === 'restarting') ? c.exitCode : null,
      startedAt: c?.startedAt ?? null,
      oomKilled: c?.oomKilled === true,
    };
  });
}

export function isHealthyRow(row: ServiceRow): boolean {
  return row.state === 'running' && (row.health === null || row.health === 'healthy');
}

export interface StackUrls {
  local: GatewayUrls;
  /** The same URLs on this machine's LAN address, when published on all interfaces. */
  lan: GatewayUrls | null;
  lanAddress: string | null;
}

export function stackUrls(settings: GatewaySettings, interfaces: NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]> = networkInterfaces()): StackUrls {
  const local = gatewayUrls(settings);
  const allInterfaces = settings.bind === '0.0.0.0' || settings.bind === '::' || settings.bind === '[::]';
  const lanAddress = allInterfaces ? lanIPv4(interfaces) : null;
  return { local, lan: lanAddress ? gatewayUrls(settings, lanAddress) : null, lanAddress };
}

/** Virtual and container interfaces are not where a colleague reaches this machine. */
const VIRTUAL_INTERFACE = /^(lo|docker|veth|br-|virbr|cni|flannel|cali|vxlan|tun|tap|wg|vpn|ppp|utun|zt|tailscale)/i;
const PREFERRED_INTERFACE = /^(eth|en|wl|wlan)/i;

export function lanIPv4(interfaces: NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>): string | null {
  const candidates: { name: string; address: string }[] = [];
  for (const [name, infos] of Object.entries(interfaces)) {
    if (VIRTUAL_INTERFACE.test(name)) continue;
    for (const info of infos ?? []) if (info.family === 'IPv4' && !info.internal) candidates.push({ name, address: info.address });
  }
  candidates.sort((a, b) => Number(PREFERRED_INTERFACE.test(b.name)) - Number(PREFERRED_INTERFACE.test(a.name)));
  return candidates[0]?.address ?? null;
}

/** `missing`: how a service without a container reads ("not created"; "stopped" when the whole stack is). */
export function renderServiceTable(rows: ServiceRow[], style: Style, missing = 'not created'): string {
  const healthText = (row: ServiceRow) => {
    if (row.state === 'missing') return style.dim('-');
    if (row.health === 'healthy') return style.green('healthy');
    if (row.health === 'unhealthy') return style.red('unhealthy');
    if (row.health === 'starting') return style.yellow('starting');
    return style.dim(row.state === 'running' ? 'no healthcheck' : '-');
  };
  const stateText = (row: ServiceRow) => {
    const code = row.oomKilled ? `${row.exitCode ?? 137}, OOM-killed` : String(row.exitCode);
    const text = (row.exitCode !== null || row.oomKilled) && row.state !== 'running' ? `${row.state} (${code})` : row.state;
    if (row.state === 'running') return style.green(text);
    if (row.state === 'missing') return style.dim(missing);
    return style.red(text);
  };
  return table(
    ['SERVICE', 'STATE', 'HEALTH', 'PORTS', 'IMAGE'],
    rows.map((r) => [r.service, stateText(r), healthText(r), r.ports.join(', ') || style.dim('-'), r.image ?? style.dim('-')]),
    style,
  );
}

export function renderUrls(urls: StackUrls, style: Style): string {
  const lines = [
    `  ${style.bold('API base URL  ')} ${style.cyan(urls.local.api)}   ${style.dim('(OpenAI-compatible; authenticate with your virtual key)')}`,
    `  ${style.bold('Open WebUI    ')} ${style.cyan(urls.local.openWebui)}`,
    `  ${style.bold('LiteLLM admin ')} ${style.cyan(urls.local.adminUi)}`,
  ];
  if (urls.lan && urls.lanAddress) {
    lines.push(`  ${style.dim(`On your network (${urls.lanAddress}):`)}`);
    lines.push(`  ${style.bold('API base URL  ')} ${style.cyan(urls.lan.api)}`);
    lines.push(`  ${style.bold('Open WebUI    ')} ${style.cyan(urls.lan.openWebui)}`);
    lines.push(`  ${style.bold('LiteLLM admin ')} ${style.cyan(urls.lan.adminUi)}`);
  }
  return lines.join('\n');
}
