import { afterEach, describe, expect, it } from 'vitest';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { handleEvent } from '../../src/core/engine.ts';
import { handleCompletion } from '../../src/core/completion.ts';
import { reconcile } from '../../src/core/reconcile.ts';
import { automationStatusEvent, configEvent, SG, world, type World, scheduled } from './world.ts';

let w: World;
afterEach(async () => w?.close());

let n = 0;
/** A new NON_COMPLIANT finding for `resourceId` (a new ordering time each call). */
const finding = (resourceId = SG) =>
  configEvent({ resourceId, ordering: new Date(Date.UTC(2025, 2, 4, 14, 0, 0, ++n)).toISOString() });

/** Runs the finding and completes its execution with `status` (Config says still NON_COMPLIANT). */
async function runAndFinish(status: 'Success' | 'Failed', resourceId = SG) {
  const [o] = await handleEvent(finding(resourceId), w.deps);
  if (o!.outcome !== 'started') return o!;
  w.automationStatus.set(o!.executionId!, { executionId: o!.executionId!, status });
  await handleCompletion(automationStatusEvent(o!.executionId!, status), w.deps);
  return o!;
}

describe('loop guard', () => {
  it('a flapping resource stops after K runs in the window, and escalates once per trip', async () => {
    w = await world({ limits: { cooldownMaxRuns: 3, cooldownWindowHours: 24 } });
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(await runAndFinish('Success'));
      w.clock.advance(60);
    }
    expect(outcomes.map((o) => o.outcome)).toEqual(['started', 'started', 'started']);
    expect(w.automations).toHaveLength(3);

    const skipped = [];
    for (let i = 0; i < 3; i++) {
      skipped.push((await handleEvent(finding(), w.deps))[0]!);
      w.clock.advance(10);
    }
    expect(w.automations).toHaveLength(3);
    expect(skipped.map((o) => o.code)).toEqual(['cooldown', 'cooldown', 'cooldown']);
    // One escalation for the trip, not one per event.
    expect(w.notifications.filter((x) => x.outcome.code === 'cooldown')).toHaveLength(1);
    // Every skip is still in the history.
    const history = await w.started.ledger.history({ resourceId: SG, limit: 100 });
    expect(history.filter((o) => o.code === 'cooldown')).toHaveLength(3);

    // Another resource is not affected.
    const [other] = await handleEvent(finding('sg-0ffff1111aaaa2222'), w.deps);
    expect(other!.outcome).toBe('started');

    // Once the window has slid past the runs, the resource is acted on again.
    w.clock.advance(24 * 60);
    const [again] = await handleEvent(finding(), w.deps);
    expect(again!.outcome).toBe('started');
  });
});

describe('loop guard runs are started claims', () => {
  const key = (resourceId: string, findingTime: string) => ({
    remediationId: 'restricted-ssh',
    resourceId,
    findingTime,
    family: 'config.noncompliant' as const,
  });
  const exec = (resourceId: string, findingTime: string, executionId: string, startedAt: string) => ({
    executionId,
    kind: 'automation' as const,
    remediationId: 'restricted-ssh',
    family: 'config.noncompliant' as const,
    document: 'AWS-DisablePublicAccessForSecurityGroup',
    resourceIds: [resourceId],
    resourceType: 'AWS::EC2::SecurityGroup',
    findingTime,
    eventId: `e-${executionId}`,
    account: '123456789012',
    region: 'us-east-1',
    startedAt,
  });

  it('counts started claims in the window (one item per start, no run item of its own), not claims that never started', async () => {
    w = await world({ limits: { cooldownWindowHours: 24 } });
    const { ledger, client, tableName } = w.started;
    const now = new Date('2025-03-04T14:30:00.000Z');
    const at = (min: number) => new Date(now.getTime() + min * 60_000);
    // Two findings started, one claimed and never started.
    expect((await ledger.claim(key(SG, 'f1'), at(0))).status).toBe('claimed');
    await ledger.recordExecution(exec(SG, 'f1', 'exec-1', at(0).toISOString()));
    await ledger.releaseLocks({ executionId: 'exec-1', remediationId: 'restricted-ssh', resourceIds: [SG] });
    expect((await ledger.claim(key(SG, 'f2'), at(5))).status).toBe('claimed');
    await ledger.recordExecution(exec(SG, 'f2', 'exec-2', at(5).toISOString()));
    await ledger.releaseLocks({ executionId: 'exec-2', remediationId: 'restricted-ssh', resourceIds: [SG] });
    expect((await ledger.claim(key(SG, 'f3'), at(10))).status).toBe('claimed');

    const g = await ledger.guards('restricted-ssh', SG, at(11));
    expect(g.recentRuns).toBe(2);
    expect(g.lastRunAt).toBe(at(5).toISOString());
    // Past the window the runs have left it.
    expect((await ledger.guards('restricted-ssh', SG, at(24 * 60 + 6))).recentRuns).toBe(0);

    // What a start wrote: the execution, the claim and lock marked, the hour's start; no RUNS item.
    const { Items = [] } = await client.send(new ScanCommand({ TableName: tableName }));
    expect(Items.filter((i) => String(i['pk']).startsWith('RUNS#'))).toEqual([]);
  });

  it('a started claim of before startedAt was kept counts at its claimedAt; a start with no claim is counted too', async () => {
    w = await world({ limits: { cooldownWindowHours: 24 } });
    const { ledger, client, tableName } = w.started;
    const now = new Date('2025-03-04T14:30:00.000Z');
    // As the ledger of before wrote it: state started, no startedAt.
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: `CLAIM#restricted-ssh#${SG}`,
          sk: 'config.noncompliant#old',
          state: 'started',
          claimedAt: new Date(now.getTime() - 60 * 60_000).toISOString(),
          executionId: 'exec-old',
        },
      }),
    );
    // An execution recovered by its tags whose claim was given back: marking it writes a started claim.
    await ledger.recordExecution(exec(SG, 'gone', 'exec-recovered', now.toISOString()));
    const g = await ledger.guards('restricted-ssh', SG, new Date(now.getTime() + 60_000));
    expect(g.recentRuns).toBe(2);
    expect(g.lastRunAt).toBe(now.toISOString());
  });
});

describe("the hour's starts are the execution items (index gsi2)", () => {
  it("a start writes no item of its own; the rolling hour and recovery's list read the executions", async () => {
    w = await world({});
    const { ledger, client, tableName } = w.started;
    const rec = (id: string, startedAt: string) => ({
      executionId: id,
      kind: 'automation' as const,
      remediationId: 'restricted-ssh',
      family: 'config.noncompliant' as const,
      document: 'AWS-DisablePublicAccessForSecurityGroup',
      resourceIds: [`sg-${id}`],
      resourceType: 'AWS::EC2::SecurityGroup',
      findingTime: startedAt,
      eventId: `e-${id}`,
      account: '123456789012',
      region: 'us-east-1',
      startedAt,
    });
    // Across an hour boundary: 13:20 (outside the rolling hour at 14:30), 13:45, 14:10, 14:25.
    for (const [id, at] of [
      ['exec-a', '2025-03-04T13:20:00.000Z'],
      ['exec-b', '2025-03-04T13:45:00.000Z'],
      ['exec-c', '2025-03-04T14:10:00.000Z'],
      ['exec-d', '2025-03-04T14:25:00.000Z'],
    ] as const)
      await ledger.recordExecution(rec(id, at));
    // A retried invocation recording the same execution again counts it once.
    await ledger.recordExecution(rec('exec-d', '2025-03-04T14:25:00.000Z'));

    expect(await ledger.startedLastHour(new Date('2025-03-04T14:30:00.000Z'))).toBe(3);
    expect(await ledger.startedLastHour(new Date('2025-03-04T15:20:00.000Z'))).toBe(1);
    expect(
      [
        ...(await ledger.startedBetween!(
          new Date('2025-03-04T14:00:00.000Z'),
          new Date('2025-03-04T14:30:00.000Z'),
        )),
      ].sort(),
    ).toEqual(['exec-c', 'exec-d']);
    expect(
      (
        await ledger.startedBetween!(
          new Date('2025-03-04T13:30:00.000Z'),
          new Date('2025-03-04T14:30:00.000Z'),
        )
      ).size,
    ).toBe(4);

    // No start item beside the execution (before: one STARTS#<hour> item per start).
    const { Items = [] } = await client.send(new ScanCommand({ TableName: tableName }));
    expect(Items.filter((i) => String(i['pk']).startsWith('STARTS#'))).toEqual([]);
    expect(Items.filter((i) => String(i['pk']).startsWith('EXEC#')).map((i) => i['gsi2pk'])).toEqual(
      expect.arrayContaining(['STARTED#2025-03-04T13', 'STARTED#2025-03-04T14']),
    );
    // The stored record reads without the index keys.
    expect(await ledger.getExecution('exec-c')).not.toHaveProperty('gsi2pk');
  });
});

describe('budget', () => {
  it('over the budget work is held, announced once per trip, and released (announced, with how much waits) when the hour has passed', async () => {
    w = await world({ limits: { budgetPerHour: 2 } });
    const results = [];
    for (let i = 0; i < 4; i++)
      results.push((await handleEvent(finding(`sg-000000000000000${i}`), w.deps))[0]!);
    expect(results.map((o) => o.outcome)).toEqual(['started', 'started', 'deferred', 'deferred']);
    expect(results.slice(2).map((o) => o.code)).toEqual(['budget', 'budget']);
    expect(w.automations).toHaveLength(2);
    expect(w.notifications.filter((x) => x.outcome.code === 'budget')).toHaveLength(1);
    const held = await w.started.ledger.listDeferrals();
    expect(held.map((d) => [d.resourceId, d.code])).toEqual([
      ['sg-0000000000000002', 'budget'],
      ['sg-0000000000000003', 'budget'],
    ]);

    // Still spent half an hour later: no reset, nothing released.
    w.clock.advance(30);
    const early = await reconcile(scheduled, w.deps);
    expect(early.resets).toEqual([]);
    expect(early.deferrals.map((d) => d.result)).toEqual(['waiting', 'waiting']);
    // An hour after the starts, the budget is free again: the reset is announced and the held work runs.
    w.clock.advance(31);
    const r = await reconcile(scheduled, w.deps);
    expect(r.resets).toEqual(['budget:account']);
    expect(r.deferrals.map((d) => d.result)).toEqual(['released', 'released']);
    expect(w.automations).toHaveLength(4);
    expect(await w.started.ledger.listDeferrals()).toHaveLength(0);
    const reset = w.notifications.find((x) => x.title === 'Account remediation budget reset')!;
    expect(reset.outcome).toMatchObject({ outcome: 'succeeded', code: 'budget' });
    expect(reset.outcome.reason).toContain('2 finding(s) held over the budget are released');
    // The released work spent this hour's budget: the next finding is held, and the new trip announced.
    const [next] = await handleEvent(finding('sg-0000000000000009'), w.deps);
    expect(next).toMatchObject({ outcome: 'deferred', code: 'budget' });
    expect(
      w.notifications.filter((x) => x.outcome.code === 'budget' && x.outcome.outcome === 'deferred'),
    ).toHaveLength(2);
  });

  it('is exact under concurrency: 120 concurrent acquisitions against a limit of 50 get exactly 50', async () => {
    w = await world();
    const got = await Promise.all(
      Array.from({ length: 120 }, () => w.started.ledger.acquireBudget(w.clock.now, 50)),
    );
    expect(got.filter(Boolean)).toHaveLength(50);
    // A slot given back is taken again; the next hour is a new window.
    await w.started.ledger.returnBudget(got.find(Boolean)!);
    expect(await w.started.ledger.acquireBudget(w.clock.now, 50)).toBeDefined();
    expect(await w.started.ledger.acquireBudget(w.clock.now, 50)).toBeUndefined();
    w.clock.advance(60);
    expect(await w.started.ledger.acquireBudget(w.clock.now, 50)).toBeDefined();
  });

  it('60 findings at once against a budget of 50: exactly 50 start, 10 are held', async () => {
    w = await world({ limits: { budgetPerHour: 50 } });
    const outcomes = (
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          handleEvent(finding(`sg-${i.toString(16).padStart(17, '0')}`), w.deps),
        ),
      )
    ).flat();
    expect(w.automations).toHaveLength(50);
    expect(outcomes.filter((o) => o.outcome === 'started')).toHaveLength(50);
    expect(outcomes.filter((o) => o.outcome === 'deferred' && o.code === 'budget')).toHaveLength(10);
    expect(await w.started.ledger.listDeferrals()).toHaveLength(10);
  });
});

describe('circuit breaker', () => {
  it('opens when 3 of the last 5 executions within the hour failed, announces once, skips, and closes (announced)', async () => {
    w = await world({ limits: { cooldownMaxRuns: 100 } });
    await runAndFinish('Failed', 'sg-0000000000000001');
    await runAndFinish('Success', 'sg-0000000000000002');
    await runAndFinish('Failed', 'sg-0000000000000003');
    expect(w.notifications.filter((x) => x.title.startsWith('Circuit breaker opened'))).toHaveLength(0);
    await runAndFinish('Failed', 'sg-0000000000000004');
    const opened = w.notifications.filter((x) => x.title.startsWith('Circuit breaker opened'));
    expect(opened).toHaveLength(1);
    // The success is still waiting for Config to confirm it, so it is not a finished run yet.
    expect(opened[0]!.outcome.reason).toContain('3 of the last 3 executions within 60 min failed');

    const [s1] = await handleEvent(finding('sg-0000000000000005'), w.deps);
    const [s2] = await handleEvent(finding('sg-0000000000000006'), w.deps);
    expect([s1!.code, s2!.code]).toEqual(['circuit-open', 'circuit-open']);
    expect(w.automations).toHaveLength(4);
    // Announced when it opened; the skips do not announce it again.
    expect(w.notifications.filter((x) => x.outcome.code === 'circuit-open')).toHaveLength(1);

    w.clock.advance(61);
    expect((await reconcile(scheduled, w.deps)).resets).toEqual(['circuit-open:restricted-ssh']);
    expect(w.notifications.at(-1)!.title).toBe('Circuit breaker closed: restricted-ssh');
    const [ok] = await handleEvent(finding('sg-0000000000000007'), w.deps);
    expect(ok!.outcome).toBe('started');
  });

  it('an operator can reset the breaker by hand', async () => {
    w = await world({ limits: { cooldownMaxRuns: 100 } });
    for (let i = 1; i <= 3; i++) await runAndFinish('Failed', `sg-000000000000000${i}`);
    expect((await w.started.ledger.breaker('restricted-ssh', w.clock.now)).open).toBe(true);
    await w.started.ledger.resetBreaker('restricted-ssh', w.clock.now);
    expect((await w.started.ledger.breaker('restricted-ssh', w.clock.now)).open).toBe(false);
  });
});
