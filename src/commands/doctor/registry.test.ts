import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { createTestContext } from '../../testing/context.js';
import { fail, ok, runChecks, selectChecks, skip, summarize, warn, type Check } from './registry.js';
import { DoctorState } from './state.js';

const check = (id: string, run: Check['run'], extra: Partial<Check> = {}): Check => ({ id, group: 'files', title: id, run, ...extra });

describe('the check runner', () => {
  it('runs independent checks concurrently and a dependent one after its dependency', async () => {
    const events: string[] = [];
    let releaseA!: () => void;
    const aGate = new Promise<void>((r) => (releaseA = r));
    const checks = [
      check('a', async () => {
        events.push('a start');
        await aGate;
        events.push('a end');
        return ok('a');
      }),
      check('b', async () => {
        events.push('b start');
        releaseA(); // b runs while a is still waiting: they are concurrent
        return ok('b');
      }),
      check('c', async () => {
        events.push('c start');
        return ok('c');
      }, { dependsOn: ['a'] }),
    ];
    const ctx = createTestContext();
    const reports = await runChecks(ctx, new DoctorState(ctx), checks);
    expect(reports.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(events.indexOf('b start')).toBeLessThan(events.indexOf('a end'));
    expect(events.indexOf('c start')).toBeGreaterThan(events.indexOf('a end'));
  });

  it('skips a check whose dependency failed or was skipped, naming it; a warning does not block', async () => {
    const checks = [
      check('broken', async () => fail('down', 'start it')),
      check('absent', async () => skip('nothing here')),
      check('shaky', async () => warn('old', 'upgrade')),
      check('needs-broken', async () => ok('never'), { dependsOn: ['broken'] }),
      check('needs-absent', async () => ok('never'), { dependsOn: ['absent'] }),
      check('needs-shaky', async () => ok('ran'), { dependsOn: ['shaky'] }),
    ];
    const ctx = createTestContext();
    const reports = await runChecks(ctx, new DoctorState(ctx), checks);
    expect(reports.map((r) => [r.id, r.status, r.finding])).toEqual([
      ['broken', 'fail', 'down'],
      ['absent', 'skipped', 'Skipped: nothing here'],
      ['shaky', 'warn', 'old'],
      ['needs-broken', 'skipped', 'Skipped: broken failed.'],
      ['needs-absent', 'skipped', 'Skipped: absent was skipped.'],
      ['needs-shaky', 'ok', 'ran'],
    ]);
    expect(summarize(reports)).toEqual({ ok: 1, warn: 1, fail: 1, skipped: 3 });
  });

  it('a check that throws is a failure carrying the error code and hint', async () => {
    const checks = [check('throws', async () => {
      throw new UserError('ENV_PARSE_ERROR', '.env line 3 is not KEY=VALUE: "oops"', { hint: 'Fix line 3.' });
    })];
    const ctx = createTestContext();
    const [report] = await runChecks(ctx, new DoctorState(ctx), checks);
    expect(report).toMatchObject({ status: 'fail', finding: '.env line 3 is not KEY=VALUE: "oops"', fix: 'Fix line 3.', details: { code: 'ENV_PARSE_ERROR' } });
  });

  it('--fix repairs, then checks again; a repair that throws is reported and the failure stays', async () => {
    let healed = false;
    const checks = [
      check('heals', async () => (healed ? ok('fine now') : fail('broken', 'fix it')), { repair: async () => ((healed = true), 'fixed the thing') }),
      check('stubborn', async () => fail('broken', 'by hand'), { repair: async () => { throw new Error('EACCES: permission denied'); } }),
      check('fine', async () => ok('fine'), { repair: async () => { throw new Error('must not be called'); } }),
    ];
    const ctx = createTestContext();
    const reports = await runChecks(ctx, new DoctorState(ctx), checks, { fix: true });
    expect(reports.map((r) => [r.id, r.status, r.repaired])).toEqual([
      ['heals', 'ok', 'fixed the thing'],
      ['stubborn', 'fail', 'repair failed: EACCES: permission denied'],
      ['fine', 'ok', undefined],
    ]);
  });

  it('a selection includes the dependencies of what was asked, reporting only the selection', () => {
    const checks = [check('a', async () => ok('')), check('b', async () => ok(''), { dependsOn: ['a'] }), check('c', async () => ok(''), { group: 'api' })];
    const picked = selectChecks(checks, { ids: ['b'] });
    expect(picked.run.map((c) => c.id)).toEqual(['a', 'b']);
    expect([...picked.reported]).toEqual(['b']);
    expect(selectChecks(checks, { groups: ['api'] }).run.map((c) => c.id)).toEqual(['c']);
  });

  it('shared state is computed once, however many checks ask', async () => {
    let reads = 0;
    const ctx = createTestContext({ fs: { ...createTestContext().fs, readText: async () => ((reads++, null)) } });
    const state = new DoctorState(ctx);
    await Promise.all([state.envText(), state.envText(), state.envText()]);
    expect(reads).toBe(1);
    state.invalidate();
    await state.envText();
    expect(reads).toBe(2);
  });
});
