import { describe, expect, it } from 'vitest';
import type { DockerClient } from '../core/docker-client.js';
import { projectVolumes } from './project-volumes.js';

const engine = (answer: { stdout?: string; exitCode?: number; notFound?: boolean }, seen: string[][] = []): { docker: DockerClient } => ({
  docker: {
    docker: async (args) => {
      seen.push(args);
      return { stdout: answer.stdout ?? '', stderr: '', exitCode: answer.exitCode ?? 0, ...(answer.notFound ? { notFound: true } : {}) };
    },
    exec: async () => ({ stdout: '', stderr: '', exitCode: 0 }),
  },
});

describe('projectVolumes', () => {
  it('lists the volumes Compose labelled with the project', async () => {
    const seen: string[][] = [];
    expect(await projectVolumes(engine({ stdout: 'aigw-gw_postgres-data\naigw-gw_open-webui-data\n' }, seen), 'aigw-gw')).toEqual(['aigw-gw_postgres-data', 'aigw-gw_open-webui-data']);
    expect(seen[0]).toEqual(['volume', 'ls', '--quiet', '--filter', 'label=com.docker.compose.project=aigw-gw']);
    expect(await projectVolumes(engine({ stdout: '' }), 'aigw-gw')).toEqual([]);
  });

  it('is null when the engine cannot be asked', async () => {
    expect(await projectVolumes(engine({ exitCode: 1 }), 'aigw-gw')).toBeNull();
    expect(await projectVolumes(engine({ exitCode: -1, notFound: true }), 'aigw-gw')).toBeNull();
  });

  it('takes the answer from the engine socket when there is one (no docker CLI run), and falls back to the CLI otherwise', async () => {
    const seen: string[][] = [];
    const asked: string[] = [];
    const withSocket = (answer: unknown): { docker: DockerClient } => ({
      docker: { ...engine({ stdout: 'from-the-cli\n' }, seen).docker, engineGet: async (path) => (asked.push(path), answer) },
    });
    expect(await projectVolumes(withSocket({ Volumes: [{ Name: 'aigw-gw_postgres-data', Driver: 'local' }], Warnings: null }), 'aigw-gw')).toEqual(['aigw-gw_postgres-data']);
    expect(await projectVolumes(withSocket({ Volumes: null }), 'aigw-gw')).toEqual([]);
    expect(seen).toEqual([]);
    expect(JSON.parse(decodeURIComponent((asked[0] as string).replace('/volumes?filters=', '')))).toEqual({ label: ['com.docker.compose.project=aigw-gw'] });
    // No socket, or an answer of another shape: the CLI decides.
    expect(await projectVolumes(withSocket(null), 'aigw-gw')).toEqual(['from-the-cli']);
    expect(await projectVolumes(withSocket({ message: 'page not found' }), 'aigw-gw')).toEqual(['from-the-cli']);
    expect(seen).toHaveLength(2);
  });
});
