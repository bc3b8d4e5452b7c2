import { afterEach, describe, expect, it } from 'vitest';
import { handleEvent } from '../../src/core/engine.ts';
import { waitsOn } from '../../src/core/deferral.ts';
import { reconcile } from '../../src/core/reconcile.ts';
import { calendarEvent, configEvent, FREEZE, FREEZE_ARN, SG, world, type World, scheduled } from './world.ts';

let w: World;
afterEach(async () => w?.close());

async function deferOne(): Promise<void> {
  w.calendar.state = 'CLOSED';
  const [o] = await handleEvent(configEvent(), w.deps);
  expect(o).toMatchObject({ outcome: 'deferred', code: 'calendar-closed' });
  expect(await w.started.ledger.listDeferrals()).toHaveLength(1);
}

describe('deferral', () => {
  it('closed calendar → deferred → OPEN event → executed once, even if the OPEN event comes twice at once', async () => {
    w = await world();
    await deferOne();
    expect(w.automations).toHaveLength(0);
    w.calendar.state = 'OPEN';
    w.clock.advance(60);
    const reports = await Promise.all([
      reconcile(calendarEvent('OPEN'), w.deps),
      reconcile(calendarEvent('OPEN'), w.deps),
    ]);
    expect(w.automations).toHaveLength(1);
    expect(reports.flatMap((r) => r.deferrals.map((d) => d.result)).sort()).toEqual(['busy', 'released']);
    expect(await w.started.ledger.listDeferrals()).toHaveLength(0);
    // A third OPEN event finds nothing left to release.
    await reconcile(calendarEvent('OPEN'), w.deps);
    expect(w.automations).toHaveLength(1);
  });

  it('an OPEN event for another calendar releases nothing; a CLOSED event releases nothing', async () => {
    w = await world();
    await deferOne();
    w.calendar.state = 'OPEN';
    await reconcile(
      calendarEvent('OPEN', 'arn:aws:ssm:us-east-1:123456789012:document/other-calendar'),
      w.deps,
    );
    await reconcile(calendarEvent('CLOSED'), w.deps);
    expect(w.automations).toHaveLength(0);
    expect(await w.started.ledger.listDeferrals()).toHaveLength(1);
  });

  it('when the OPEN event is missed, the scheduled sweep releases the work (and leaves it while still closed)', async () => {
    w = await world();
    await deferOne();
    w.clock.advance(15);
    await reconcile(scheduled, w.deps);
    expect(w.automations).toHaveLength(0);
    expect(await w.started.ledger.listDeferrals()).toHaveLength(1);
    w.calendar.state = 'OPEN';
    w.clock.advance(15);
    const r = await reconcile(scheduled, w.deps);
    expect(r.deferrals.map((d) => d.result)).toEqual(['released']);
    expect(w.automations).toHaveLength(1);
    expect(r.deferrals[0]!.outcomes![0]).toMatchObject({
      outcome: 'started',
      remediation: 'restricted-ssh',
      resourceId: SG,
    });
  });

  it('a resource already compliant at release is skipped with the reason, and nothing runs', async () => {
    w = await world();
    await deferOne();
    w.compliance.set(`restricted-ssh|${SG}`, { compliance: 'COMPLIANT' });
    w.calendar.state = 'OPEN';
    const r = await reconcile(calendarEvent('OPEN'), w.deps);
    expect(w.automations).toHaveLength(0);
    expect(r.deferrals[0]!.outcomes![0]).toMatchObject({ outcome: 'skipped', code: 'already-compliant' });
    expect(w.notifications.at(-1)!.outcome.code).toBe('already-compliant');
    expect(await w.started.ledger.listDeferrals()).toHaveLength(0);
    const history = await w.started.ledger.history({ resourceId: SG });
    expect(history.map((o) => o.code)).toContain('already-compliant');
  });

  it('a calendar that closes again during the release re-defers, keeping the original deferral time', async () => {
    w = await world();
    await deferOne();
    const [before] = await w.started.ledger.listDeferrals();
    // The sweep sees OPEN, but the engine's own calendar read (right before acting) sees CLOSED.
    let reads = 0;
    w.deps.calendar = { state: async () => (reads++ === 0 ? { state: 'OPEN' } : { state: 'CLOSED' }) };
    w.clock.advance(30);
    const r = await reconcile(calendarEvent('OPEN'), w.deps);
    expect(r.deferrals[0]!.result).toBe('redeferred');
    const [after] = await w.started.ledger.listDeferrals();
    expect(after!.deferredAt).toBe(before!.deferredAt);
    expect(after!.leaseOwner).toBeUndefined();
    expect(w.automations).toHaveLength(0);
  });

  it('deferred work older than DEFERRAL_MAX_AGE_HOURS expires with a notification', async () => {
    w = await world({ options: { deferralMaxAgeHours: 24 } });
    await deferOne();
    w.clock.advance(23 * 60);
    await reconcile(scheduled, w.deps);
    expect(await w.started.ledger.listDeferrals()).toHaveLength(1);
    w.clock.advance(2 * 60);
    const r = await reconcile(scheduled, w.deps);
    expect(r.deferrals[0]!.result).toBe('expired');
    expect(w.notifications.at(-1)!.outcome).toMatchObject({
      outcome: 'skipped',
      code: 'deferral-expired',
      resourceId: SG,
    });
    expect(await w.started.ledger.listDeferrals()).toHaveLength(0);
    expect(w.automations).toHaveLength(0);
  });

  it('matches a deferral to the calendar ARN whether it names the calendar by name or by ARN', () => {
    expect(waitsOn([FREEZE], FREEZE_ARN)).toBe(true);
    expect(waitsOn([FREEZE_ARN], FREEZE_ARN)).toBe(true);
    expect(waitsOn(['other'], FREEZE_ARN)).toBe(false);
  });
});
