/**
 * Shared pieces of the end-to-end suite: the real engine and test images (test/testbed), the
 * BUILT CLI run as a user runs it (`node bin/ai-gateway.js ... --dir <tmp>`), and a cleanup
 * that removes a test stack whatever state the test left it in.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { EnvFile } from '../../src/gateway/env-file.js';
import { ensureDockerEngine, run } from '../testbed/engine.mjs';
import { ensureTestImages, type TestImages } from '../testbed/images.mjs';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'ai-gateway.js');

/** Is there an engine (started if we may)? Prints why not, so a skipped suite says so. */
export async function engineOrSkipReason(suite: string): Promise<string | null> {
  const engine = await ensureDockerEngine({ log: (line) => console.log(`[${suite}] ${line}`) });
  if (engine.ok) return null;
  console.warn(`[${suite}] SKIPPED: no Docker engine (${engine.reason}). Run "node test/testbed/engine.mjs" or see test/testbed/README.md.`);
  return engine.reason;
}

export async function testImages(): Promise<TestImages> {
  return ensureTestImages({ log: (line) => console.log(`[images] ${line}`) });
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export function imageEnv(images: TestImages, overrides: { litellm?: string } = {}): Record<string, string> {
  return {
    AI_GATEWAY_LITELLM_IMAGE: overrides.litellm ?? images.litellm,
    AI_GATEWAY_POSTGRES_IMAGE: images.postgres,
    AI_GATEWAY_OPEN_WEBUI_IMAGE: images.openWebui,
    AI_GATEWAY_NGINX_IMAGE: images.nginx,
  };
}

/** Runs the built CLI like a user in CI would: no TTY, no colors. */
export async function cli(dir: string, args: string[], env: Record<string, string> = {}, timeoutMs = 600_000): Promise<CliResult> {
  const started = Date.now();
  const result = await execa('node', [BIN, ...args, '--dir', dir], {
    reject: false,
    timeout: timeoutMs,
    stdin: 'ignore',
    env: { ...process.env, CI: '1', NO_COLOR: '1', ...env },
  });
  return {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    durationMs: Date.now() - started,
  };
}

export function describeResult(r: CliResult): string {
  return `exit ${r.exitCode} after ${r.durationMs} ms\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** A fresh gateway made by the real `setup`, on random free ports, with the test images. */
export async function setupGateway(images: TestImages, overrides: { litellm?: string } = {}): Promise<{ dir: string; env: EnvFile; project: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-e2e-'));
  const result = await cli(dir, ['setup', '--yes', '--ports', 'random'], imageEnv(images, overrides));
  if (result.exitCode !== 0) throw new Error(`setup failed: ${describeResult(result)}`);
  const env = await readEnv(dir);
  return { dir, env, project: env.get('COMPOSE_PROJECT_NAME') ?? '' };
}

export async function readEnv(dir: string): Promise<EnvFile> {
  return EnvFile.parse(await readFile(join(dir, '.env'), 'utf8'));
}

export async function docker(...args: string[]): Promise<string> {
  const result = await run('docker', args, { timeoutMs: 120_000 });
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${result.code}): ${result.stderr || result.stdout}`);
  return result.stdout.trim();
}

export async function projectContainerIds(project: string): Promise<string[]> {
  return (await docker('ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${project}`)).split('\n').filter(Boolean);
}

export async function projectVolumes(project: string): Promise<string[]> {
  return (await docker('volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`)).split('\n').filter(Boolean).sort();
}

/** `down -v --remove-orphans`, then anything left by label: pass or fail, nothing stays behind. */
export async function destroyStack(dir: string, project: string): Promise<void> {
  if (!project) return;
  await run(
    'docker-compose',
    ['-p', project, '--project-directory', dir, '-f', join(dir, 'docker-compose.yml'), '-f', join(dir, 'docker-compose.override.yml'), '--env-file', join(dir, '.env'), 'down', '-v', '--remove-orphans', '-t', '2'],
    { timeoutMs: 120_000 },
  );
  const ids = await projectContainerIds(project).catch(() => []);
  if (ids.length > 0) await run('docker', ['rm', '-f', '-v', ...ids], { timeoutMs: 60_000 });
  const volumes = await projectVolumes(project).catch(() => []);
  if (volumes.length > 0) await run('docker', ['volume', 'rm', '-f', ...volumes], { timeoutMs: 60_000 });
  const networks = (await run('docker', ['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])).stdout.split('\n').filter(Boolean);
  if (networks.length > 0) await run('docker', ['network', 'rm', ...networks], { timeoutMs: 60_000 });
}

export async function http(url: string, init: { method?: string; key?: string; body?: unknown } = {}): Promise<{ status: number; text: string; json: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.key) headers.authorization = `Bearer ${init.key}`;
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}
