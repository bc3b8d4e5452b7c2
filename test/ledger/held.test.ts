/**
 * Held work (issue 11): a finding stopped by a gate that cannot be read is kept in the ledger and
 * released by the reconcile sweep through every gate again; never only a log line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { handleEvent } from '../../src/core/engine.ts';
import { reconcile } from '../../src/core/reconcile.ts';
import { TransientError } from '../../src/model/errors.ts';
import type { CalendarPort, TagsPort } from '../../src/ports/index.ts';
import { calendarEvent, configEvent, world, type World, scheduled } from './world.ts';

let w: World;
afterEach(async () => w?.close());

const sg = (i: number) => `sg-${i.toString(16).padStart(17, '0')}`;
const outage = (name: string) => async () => {
  throw Object.assign(new Error(`${name} unavailable`), { name: 'ServiceUnavailable' });
};

describe('held work', () => {
  it('a one-hour GetCalendarState outage holds all 30 findings and the sweep runs every one afterwards', async () => {
    w = await world();
    const calendar = w.deps.calendar;
    w.deps.calendar = { state: outage('GetCalendarState') } as CalendarPort;
    for (let i = 0; i < 30; i++) {
      const [o] = await handleEvent(configEvent({ resourceId: sg(i) }), w.deps);
      expect(o).toMatchObject({ outcome: 'deferred', code: 'gate-unreadable' });
    }
    const held = await w.started.ledger.listDeferrals();
    expect(held).toHaveLength(30);
    expect(held[0]).toMatchObject({ code: 'gate-unreadable', attempts: 1 });
    expect(held[0]!.heldReason).toContain('change calendar could not be read');
    expect(held.every((d) => d.nextTryAt! > w.clock.now.toISOString())).toBe(true);
    // A blip is not announced: only work that waits long is.
    expect(w.notifications).toHaveLength(0);

    // Still down at the sweeps during the hour: every item stays, its next try pushed back.
    for (let m = 0; m < 60; m += 15) {
      w.clock.advance(15);
      const r = await reconcile(scheduled, w.deps);
      expect(r.deferrals.every((d) => ['waiting', 'redeferred'].includes(d.result))).toBe(true);
    }
    expect(await w.started.ledger.listDeferrals()).toHaveLength(30);
    expect(w.automations).toHaveLength(0);

    w.deps.calendar = calendar;
    let started = 0;
    for (let m = 0; m < 180 && started < 30; m += 15) {
      w.clock.advance(15);
      const r = await reconcile(scheduled, w.deps);
      started += r.deferrals.filter((d) => d.result === 'released').length;
    }
    expect(w.automations.map((a) => a.parameters.GroupId![0]).sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => sg(i)).sort(),
    );
    expect(await w.started.ledger.listDeferrals()).toHaveLength(0);
  });

  it('the Tagging API failing at release keeps all 15 deferred findings; they run once it works', async () => {
    w = await world();
    w.calendar.state = 'CLOSED';
    for (let i = 0; i < 15; i++) await handleEvent(configEvent({ resourceId: sg(i) }), w.deps);
    expect(await w.started.ledger.listDeferrals()).toHaveLength(15);
    const tags = w.deps.tags;
    w.deps.tags = { tagsFor: outage('GetResources') } as TagsPort;
    w.calendar.state = 'OPEN';
    w.clock.advance(60);
    const r = await reconcile(calendarEvent('OPEN'), w.deps);
    expect(r.deferrals.map((d) => d.result)).toEqual(Array(15).fill('redeferred'));
    const held = await w.started.ledger.listDeferrals();
    expect(held).toHaveLength(15);
    expect(held.every((d) => d.code === 'gate-unreadable' && d.leaseOwner === undefined)).toBe(true);
    expect(held.every((d) => d.nextTryAt! > w.clock.now.toISOString())).toBe(true);
    expect(w.automations).toHaveLength(0);

    w.deps.tags = tags;
    w.clock.advance(15);
    await reconcile(scheduled, w.deps);
    expect(w.automations).toHaveLength(15);
    expect(await w.started.ledger.listDeferrals()).toHaveLength(0);
  });

  it('held work that waits longer than an hour is announced once', async () => {
    w = await world();
    w.deps.tags = { tagsFor: outage('GetResources') } as TagsPort;
    await handleEvent(configEvent(), w.deps);
    for (let i = 0; i < 12; i++) {
      w.clock.advance(15);
      await reconcile(scheduled, w.deps);
    }
    const told = w.notifications.filter((n) => n.outcome.code === 'gate-unreadable');
    expect(told).toHaveLength(1);
    expect(told[0]!.outcome).toMatchObject({ outcome: 'deferred', remediation: 'restricted-ssh' });
    expect(told[0]!.outcome.reason).toMatch(
      /^held since .* \(\d+ min, \d+ tries\): resource tags could not be read/,
    );
    expect(await w.started.ledger.listDeferrals()).toHaveLength(1);
  });

  it("a storm past SSM's execution quota: nothing fails, the overflow is held and started as capacity frees", async () => {
    w = await world({ limits: { budgetPerHour: 1000 } });
    const QUOTA = 10;
    const start = w.deps.automation.start;
    const running = () => [...w.automationStatus.values()].filter((a) => a.status === 'InProgress').length;
    let refused = 0;
    w.deps.automation = {
      start: async (req) => {
        if (running() >= QUOTA && ++refused)
          throw Object.assign(new Error(`${QUOTA} executions running`), {
            name: 'AutomationExecutionLimitExceededException',
          });
        return start(req);
      },
    };
    const outcomes = [];
    for (let i = 0; i < 25; i++)
      outcomes.push(...(await handleEvent(configEvent({ resourceId: sg(i) }), w.deps)));
    expect(outcomes.filter((o) => o.outcome === 'started')).toHaveLength(QUOTA);
    expect(outcomes.filter((o) => o.outcome === 'deferred' && o.code === 'transient-error')).toHaveLength(15);
    expect(outcomes.filter((o) => o.outcome === 'failed')).toHaveLength(0);
    // While SSM is still full, a sweep asks it once, not once per held finding.
    w.clock.advance(15);
    refused = 0;
    const busy = await reconcile(scheduled, w.deps);
    expect(refused).toBe(1);
    expect(busy.deferrals.filter((d) => d.result === 'waiting')).toHaveLength(14);
    for (let round = 0; round < 12 && w.automations.length < 25; round++) {
      for (const a of w.automationStatus.values()) a.status = 'Success';
      w.clock.advance(15);
      await reconcile(scheduled, w.deps);
    }
    expect(new Set(w.automations.map((a) => a.parameters.GroupId![0])).size).toBe(25);
    expect(await w.started.ledger.listDeferrals()).toHaveLength(0);
  });

  it('when the ledger cannot hold the work either, the invocation fails so Lambda retries it', async () => {
    w = await world();
    const ledger = w.deps.ledger;
    const down = outage('DynamoDB');
    w.deps.ledger = { ...ledger, guards: down, claim: down, recordDeferral: down };
    const event = configEvent();
    await expect(handleEvent(event, w.deps)).rejects.toBeInstanceOf(TransientError);
    w.deps.ledger = ledger;
    const [o] = await handleEvent(event, w.deps);
    expect(o!.outcome).toBe('started');
  });
});
