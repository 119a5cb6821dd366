import { describe, expect, it } from 'vitest';
import type { SwarmService } from '../../docker/swarm.js';
import { stackSettled, swarmRows } from './swarm-view.js';

const service = (over: Partial<SwarmService>): SwarmService => ({
  service: 'litellm',
  name: 'p_litellm',
  job: false,
  desired: 2,
  running: 2,
  completed: 0,
  image: 'litellm:1',
  updateState: null,
  updateMessage: null,
  updateStartedAt: null,
  template: 'a',
  ports: [],
  failedTasks: [],
  ...over,
});

describe('swarm view', () => {
  it('a service is settled with its replicas running and no update in flight; a job once it completed', () => {
    expect(stackSettled([service({})], ['litellm'])).toBe(true);
    expect(stackSettled([service({ running: 1 })], ['litellm'])).toBe(false);
    expect(stackSettled([service({ updateState: 'updating' })], ['litellm'])).toBe(false);
    expect(stackSettled([service({ service: 'litellm-migrate', job: true, completed: 0 })], ['litellm-migrate'])).toBe(false);
    expect(stackSettled([service({ service: 'litellm-migrate', job: true, completed: 1 })], ['litellm-migrate'])).toBe(true);
    expect(stackSettled([], ['litellm'])).toBe(false);
  });

  it('after a deploy that changed the tasks, the old replicas do not count until a newer update completed', () => {
    const rolling = new Map([['litellm', '2026-12-06T01:00:00Z']]);
    // Right after the deploy Swarm still shows the previous update: the running tasks are the old ones.
    expect(stackSettled([service({ updateState: 'completed', updateStartedAt: '2026-12-06T01:00:00Z' })], ['litellm'], rolling)).toBe(false);
    expect(stackSettled([service({ updateState: 'updating', updateStartedAt: '2026-12-06T01:05:00Z' })], ['litellm'], rolling)).toBe(false);
    expect(stackSettled([service({ updateState: 'completed', updateStartedAt: '2026-12-06T01:05:00Z' })], ['litellm'], rolling)).toBe(true);
    // A first update ever (no previous one) is awaited the same way.
    expect(stackSettled([service({ updateState: null })], ['litellm'], new Map([['litellm', null]]))).toBe(false);
  });

  it('rows show running/desired, jobs as done, and services that are not there', () => {
    const rows = swarmRows(['postgres', 'litellm-migrate', 'litellm'], [service({ running: 1 }), service({ service: 'litellm-migrate', job: true, completed: 1, desired: 1 })]);
    expect(rows.map((r) => [r.service, r.state, r.health, r.replicas ?? null])).toEqual([
      ['postgres', 'missing', null, null],
      ['litellm-migrate', 'complete', null, '1/1 done'],
      ['litellm', 'running', 'starting', '1/2'],
    ]);
  });
});
