/**
 * The gateway directory seen as a Compose stack: its settings, the services its compose files
 * define (what `start` waits for) and a Compose driver bound to it. Refuses early, with the
 * fix, when setup has not run or the files it wrote are missing, unreadable or out of step
 * with `.env`.
 */
import { parseDocument } from 'yaml';
import type { Context } from '../core/context.js';
import { UserError } from '../core/errors.js';
import { FILES, loadGateway, type Gateway } from '../gateway/layout.js';
import { SERVICES } from '../gateway/settings.js';
import { ComposeProject } from './compose.js';
import type { DockerEngine } from './engine.js';

export interface Stack {
  gateway: Gateway;
  project: string;
  /** Services the compose files define, in the order of the files (postgres first). */
  services: string[];
}

/** The files `start` needs besides `.env` and the two compose files (loadGateway checks those). */
function requiredFiles(gateway: Gateway): string[] {
  return [FILES.config, ...(gateway.settings.nginx ? [FILES.nginx] : [])];
}

export async function loadStack(ctx: Context): Promise<Stack> {
  const gateway = await loadGateway(ctx);
  const services: string[] = [];
  for (const file of [FILES.compose, FILES.override]) {
    for (const service of await composeServices(ctx, gateway.path(file))) if (!services.includes(service)) services.push(service);
  }
  const setupHint = `Run "ai-gateway setup --dir ${ctx.dir}" to render the files again (secrets and settings in .env are kept).`;
  for (const file of requiredFiles(gateway)) {
    if (!(await ctx.fs.exists(gateway.path(file)))) {
      throw new UserError('NOT_SET_UP', `${gateway.path(file)} is missing.`, { hint: setupHint });
    }
  }
  const expected = [SERVICES.postgres, SERVICES.litellm, SERVICES.openWebui, ...(gateway.settings.nginx ? [SERVICES.nginx] : [])];
  const missing = expected.filter((s) => !services.includes(s));
  if (missing.length > 0) {
    throw new UserError('FILES_OUT_OF_DATE', `${gateway.path(FILES.compose)} does not define ${missing.join(', ')}, which .env asks for.`, {
      hint: setupHint,
      details: { missing },
    });
  }
  if (!gateway.settings.nginx && services.includes(SERVICES.nginx)) {
    throw new UserError('FILES_OUT_OF_DATE', `.env says USE_NGINX=no but ${gateway.path(FILES.compose)} still defines nginx.`, { hint: setupHint });
  }
  return { gateway, project: gateway.settings.projectName, services };
}

/** Service names of one compose file; a YAML error names the file and line. */
async function composeServices(ctx: Context, path: string): Promise<string[]> {
  const text = (await ctx.fs.readText(path)) ?? '';
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const line = first?.linePos?.[0]?.line;
    throw new UserError('COMPOSE_FILE_INVALID', `${path}${line ? ` line ${line}` : ''} is not valid YAML: ${first?.message.split('\n')[0] ?? 'parse error'}.`, {
      hint: `Fix that line, or run "ai-gateway setup --dir ${ctx.dir}" to render the file again.`,
    });
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return [];
  const services = (value as { services?: unknown }).services;
  if (typeof value !== 'object' || (services !== undefined && (typeof services !== 'object' || services === null || Array.isArray(services)))) {
    throw new UserError('COMPOSE_FILE_INVALID', `${path} has no "services:" mapping.`, {
      hint: `Run "ai-gateway setup --dir ${ctx.dir}" to render the file again.`,
    });
  }
  return Object.keys((services ?? {}) as Record<string, unknown>);
}

export function composeProject(ctx: Context, gateway: Gateway, engine: DockerEngine): ComposeProject {
  return new ComposeProject(ctx, engine.compose, {
    dir: gateway.dir,
    projectName: gateway.settings.projectName,
    envKeys: gateway.env.keys(),
    ...(gateway.composeEnvFile ? { envFile: gateway.composeEnvFile } : {}),
  });
}
