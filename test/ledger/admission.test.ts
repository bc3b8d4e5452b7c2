/**
 * Admission at SSM's Automation quota (issue 11): the service keeps to its share of open executions
 * with a ledger counter; what is over it is held (`admission`) and released by the reconcile sweep in
 * arrival order as executions end; a slot is given back when its start fails, kept when only the
 * ledger write after a successful start fails, and a leaked counter heals.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { admissionLimits } from '../../src/core/admission.ts';
import { handleCompletion } from '../../src/core/completion.ts';
import { reconcile } from '../../src/core/reconcile.ts';
import { handleEvent } from '../../src/core/engine.ts';
import { SLOT_QUIET_MS } from '../../src/core/recovery.ts';
import { automationStatusEvent, configEvent, world, type World } from './world.ts';

const scheduled = () => ({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });

let w: World;
afterEach(async () => w?.close());

const sg = (i: number) => `sg-${i.toString(16).padStart(17, '0')}`;
let n = 0;
const finding = (resourceId: string) =>
  configEvent({ resourceId, ordering: new Date(Date.UTC(2025, 2, 4, 14, 0, 0, ++n)).toISOString() });

/** A world whose service may keep `open` executions (share of 100 running). */
async function admitting(open: number): Promise<World> {
  const x = await world();
  x.deps.config.admission = admissionLimits(open / 100, 0.5);
  return x;
}

async function finish(executionId: string): Promise<void> {
  w.automationStatus.set(executionId, { executionId, status: 'Success' });
  await handleCompletion(automationStatusEvent(executionId, 'Success'), w.deps);
}

describe('admission', () => {
  it('the counter is exact under concurrency: 30 takers against 5 get 5; given back, taken again', async () => {
    w = await world();
    const ledger = w.started.ledger;
    const got = await Promise.all(Array.from({ length: 30 }, () => ledger.acquireSlots!(1, 5, w.clock.now)));
    expect(got.filter(Boolean)).toHaveLength(5);
    expect((await ledger.slots!()).n).toBe(5);
    await ledger.returnSlots!(2);
    expect(await ledger.acquireSlots!(2, 5, w.clock.now)).toBe(true);
    expect(await ledger.acquireSlots!(1, 5, w.clock.now)).toBe(false);
    // Never below zero, whatever is given back.
    await ledger.returnSlots!(9);
    expect((await ledger.slots!()).n).toBe(0);
  });

  it('8 findings over a share of 5: 5 start, 3 are held and start in arrival order as executions end', async () => {
    w = await admitting(5);
    const outcomes = [];
    for (let i = 0; i < 8; i++) outcomes.push(...(await handleEvent(finding(sg(i)), w.deps)));
    expect(outcomes.map((o) => o.outcome)).toEqual([
      ...Array(5).fill('started'),
      ...Array(3).fill('deferred'),
    ]);
    expect(outcomes.slice(5).map((o) => o.code)).toEqual(['admission', 'admission', 'admission']);
    expect(outcomes[5]!.reason).toContain('share of SSM');
    expect(w.automations).toHaveLength(5);
    const held = await w.started.ledger.listDeferrals();
    expect(held.map((d) => [d.code, d.resourceId])).toEqual([5, 6, 7].map((i) => ['admission', sg(i)]));
    // Held at the share is not announced when held (the sweep announces long waits).
    expect(w.notifications.filter((x) => x.outcome.code === 'admission')).toEqual([]);

    // Nothing ended: the sweep starts nothing.
    w.clock.advance(1);
    await reconcile(scheduled(), w.deps);
    expect(w.automations).toHaveLength(5);

    // Two end: the sweep starts the first two held, in arrival order; the third waits.
    await finish(outcomes[0]!.executionId!);
    await finish(outcomes[1]!.executionId!);
    expect((await w.started.ledger.slots!()).n).toBe(3);
    w.clock.advance(1);
    const sweep = await reconcile(scheduled(), w.deps);
    expect(w.automations).toHaveLength(7);
    expect(w.automations.slice(5).map((a) => a.parameters['GroupId'])).toEqual([[sg(5)], [sg(6)]]);
    expect(sweep.deferrals.map((d) => d.result)).toEqual(['released', 'released', 'waiting']);
    expect((await w.started.ledger.slots!()).n).toBe(5);

    await finish(outcomes[2]!.executionId!);
    w.clock.advance(1);
    await reconcile(scheduled(), w.deps);
    expect(w.automations.map((a) => a.parameters['GroupId']![0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map(sg));
    expect(await w.started.ledger.listDeferrals()).toEqual([]);
  });

  it('once a slot was refused, work is held on a read of the counter: no claim, budget slot or admission try', async () => {
    w = await admitting(2);
    const ledger = w.deps.ledger;
    const calls = { claim: 0, acquireBudget: 0, acquireSlots: 0, slots: 0 };
    for (const k of Object.keys(calls) as (keyof typeof calls)[]) {
      const f = (ledger[k] as (...a: unknown[]) => Promise<unknown>).bind(ledger);
      (ledger as unknown as Record<string, unknown>)[k] = (...a: unknown[]) => (calls[k]++, f(...a));
    }
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(...(await handleEvent(finding(sg(i)), w.deps)));
    expect(outcomes.map((o) => o.code ?? o.outcome)).toEqual([
      'started',
      'started',
      'admission',
      'admission',
      'admission',
    ]);
    expect(outcomes[4]!.reason).toContain('share of SSM');
    // Two started took a claim, a budget slot and a slot each, reading nothing first (nothing was
    // refused yet: a quiet day pays no read); the third was refused its slot, so the last two only
    // read the counter.
    expect(calls).toEqual({ claim: 3, acquireBudget: 3, acquireSlots: 3, slots: 2 });
    expect((await ledger.listDeferrals()).map((d) => d.code)).toEqual([
      'admission',
      'admission',
      'admission',
    ]);

    // A counter that cannot be read is no shortcut: the conditional slot decides, and holds.
    const slots = ledger.slots;
    ledger.slots = async () => {
      throw Object.assign(new Error('ledger down'), { name: 'InternalServerError' });
    };
    const [o] = await handleEvent(finding(sg(9)), w.deps);
    ledger.slots = slots;
    expect(o).toMatchObject({ outcome: 'deferred', code: 'admission' });
    expect(calls.acquireSlots).toBe(4);

    // Released by the sweep in arrival order once a slot frees.
    await finish(outcomes[0]!.executionId!);
    w.clock.advance(1);
    const sweep = await reconcile(scheduled(), w.deps);
    expect(sweep.deferrals.map((d) => d.result)).toEqual(['released', 'waiting', 'waiting', 'waiting']);
    expect(w.automations.map((a) => a.parameters['GroupId']![0])).toEqual([0, 1, 2].map(sg));
  });

  it('a start SSM refuses gives its slot back; so does a permanent failure', async () => {
    w = await admitting(5);
    const start = w.deps.automation.start;
    w.deps.automation.start = async () => {
      throw Object.assign(new Error('busy'), { name: 'AutomationExecutionLimitExceededException' });
    };
    const [held] = await handleEvent(finding(sg(1)), w.deps);
    expect(held).toMatchObject({ outcome: 'deferred', code: 'transient-error' });
    expect((await w.started.ledger.slots!()).n).toBe(0);
    w.deps.automation.start = async () => {
      throw Object.assign(new Error('no such document'), { name: 'InvalidDocument' });
    };
    const [failed] = await handleEvent(finding(sg(2)), w.deps);
    expect(failed).toMatchObject({ outcome: 'failed', code: 'api-error' });
    expect((await w.started.ledger.slots!()).n).toBe(0);
    w.deps.automation.start = start;
  });

  it('the ledger write after a successful start fails: not a failed start, the slot and budget are kept', async () => {
    w = await admitting(5);
    const ledger = w.deps.ledger;
    const record = ledger.recordExecution.bind(ledger);
    ledger.recordExecution = async () => {
      throw Object.assign(new Error('ledger down'), { name: 'InternalServerError' });
    };
    const [o] = await handleEvent(finding(sg(3)), w.deps);
    ledger.recordExecution = record;
    expect(o).toMatchObject({ outcome: 'started' });
    expect(o!.executionId).toBeDefined();
    expect(w.automations).toHaveLength(1);
    expect((await w.started.ledger.slots!()).n).toBe(1);
    expect(await w.started.ledger.startedLastHour(w.clock.now)).toBe(0);
    expect(await w.started.ledger.listDeferrals()).toEqual([]);
    expect(w.logs.some((l) => l.level === 'error' && l.message.includes('not recorded'))).toBe(true);
  });

  it('a leaked slot heals once no slot was taken for the quiet period', async () => {
    w = await admitting(5);
    // Taken by invocations that died before they started anything (or whose release was lost).
    expect(await w.started.ledger.acquireSlots!(3, 5, w.clock.now)).toBe(true);
    const [o] = await handleEvent(finding(sg(4)), w.deps);
    expect(o).toMatchObject({ outcome: 'started' });
    w.clock.advance(1);
    expect((await reconcile(scheduled(), w.deps)).recovery?.healed).toBeUndefined();
    expect((await w.started.ledger.slots!()).n).toBe(4);
    w.clock.advance(SLOT_QUIET_MS / 60_000);
    const sweep = await reconcile(scheduled(), w.deps);
    // Re-derived from the ledger's open executions: the one still running.
    expect(sweep.recovery?.healed).toEqual({ from: 4, to: 1 });
    expect((await w.started.ledger.slots!()).n).toBe(1);
  });
});

describe('recovery by tag', () => {
  it('an execution whose ledger record was lost is found by its tags, recorded, closed and its slot released', async () => {
    w = await admitting(5);
    const ids: string[] = [];
    // SSM's view of the service's executions: what the fake started, with its tags.
    w.deps.own = {
      list: async () =>
        w.automations.map((a, i) => ({
          executionId: ids[i]!,
          document: a.document,
          status: w.automationStatus.get(ids[i]!)!.status,
          startTime: new Date(w.clock.now.getTime() - 10 * 60_000).toISOString(),
        })),
      tags: async (id) => w.automations[ids.indexOf(id)]!.tags,
    };
    const ledger = w.deps.ledger;
    const record = ledger.recordExecution.bind(ledger);
    ledger.recordExecution = async () => {
      throw Object.assign(new Error('ledger down'), { name: 'InternalServerError' });
    };
    const [o] = await handleEvent(finding(sg(9)), w.deps);
    ledger.recordExecution = record;
    ids.push(o!.executionId!);
    expect(await w.started.ledger.getExecution(o!.executionId!)).toBeUndefined();

    // Its completion event is lost to the ledger (not known yet): ignored.
    w.automationStatus.set(o!.executionId!, { executionId: o!.executionId!, status: 'Success' });
    expect(await handleCompletion(automationStatusEvent(o!.executionId!, 'Success'), w.deps)).toMatchObject({
      status: 'ignored',
    });
    // Config confirms the fix; the next sweep finds the execution by its tags and closes it.
    w.compliance.set(`restricted-ssh|${sg(9)}`, { compliance: 'COMPLIANT' });
    w.clock.advance(15);
    const sweep = await reconcile(scheduled(), w.deps);
    expect(sweep.recovery?.recovered).toEqual([o!.executionId]);
    expect(await w.started.ledger.getExecution(o!.executionId!)).toMatchObject({
      phase: 'done',
      result: 'succeeded',
      remediationId: 'restricted-ssh',
      resourceIds: [sg(9)],
      rule: 'restricted-ssh',
    });
    expect((await w.started.ledger.slots!()).n).toBe(0);
    expect(w.notifications.some((x) => x.outcome.code === 'verified' && x.outcome.resourceId === sg(9))).toBe(
      true,
    );
    // Once recorded, the next sweep leaves it alone.
    w.clock.advance(15);
    expect((await reconcile(scheduled(), w.deps)).recovery?.recovered).toEqual([]);
  });
});
