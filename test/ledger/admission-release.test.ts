/**
 * Prompt admission release (issue 13, docs/quota-waits.md): a completion that frees a slot while
 * admission work is held puts one `Admission Slot Freed` event (and none when nothing is held); the
 * reconcile function's admission pass starts the oldest held work up to the free slots, through the
 * sweep's release code, and nothing else. Real ledger (dynalite), the completion and release code.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { admissionLimits } from '../../src/core/admission.ts';
import { releaseAdmission } from '../../src/core/admission-pass.ts';
import { isSlotFreed, SLOT_FREED, signalSlotFreed } from '../../src/core/admission-release.ts';
import type { PublishEntry } from '../../src/ports/event-publisher.ts';
import { handleCompletion } from '../../src/core/completion.ts';
import { handleEvent } from '../../src/core/engine.ts';
import { automationStatusEvent, configEvent, world, type World } from './world.ts';

let w: World;
afterEach(async () => w?.close());

const sg = (i: number) => `sg-${i.toString(16).padStart(17, '0')}`;
let n = 0;
const finding = (resourceId: string) =>
  configEvent({ resourceId, ordering: new Date(Date.UTC(2025, 2, 4, 14, 0, 0, ++n)).toISOString() });

function bus(fail = false) {
  const put: PublishEntry[] = [];
  return {
    put,
    publisher: {
      async publish(entries: PublishEntry[]) {
        if (fail) return { failed: entries.map((entry) => ({ entry, errorCode: 'AccessDeniedException' })) };
        put.push(...entries);
        return { failed: [] };
      },
    },
  };
}

async function finish(executionId: string, slotSignal?: ReturnType<typeof bus>['publisher']) {
  w.automationStatus.set(executionId, { executionId, status: 'Success' });
  await handleCompletion(automationStatusEvent(executionId, 'Success'), {
    ...w.deps,
    ...(slotSignal ? { slotSignal } : {}),
  });
}

describe('prompt admission release', () => {
  it('a freed slot with work held: one event each; the pass starts the oldest held up to the free slots', async () => {
    w = await world();
    w.deps.config.admission = admissionLimits(5 / 100, 0.5);
    const outcomes = [];
    for (let i = 0; i < 8; i++) outcomes.push(...(await handleEvent(finding(sg(i)), w.deps)));
    expect(w.automations).toHaveLength(5);
    const b = bus();

    // Two end: two signals, both after the slot was given back.
    await finish(outcomes[0]!.executionId!, b.publisher);
    await finish(outcomes[1]!.executionId!, b.publisher);
    expect(b.put).toHaveLength(2);
    expect(b.put[0]).toMatchObject({ source: 'ssm-remediator', detailType: 'Admission Slot Freed' });
    const event = { source: b.put[0]!.source, 'detail-type': b.put[0]!.detailType, detail: b.put[0]!.detail };
    expect(isSlotFreed(event)).toBe(true);
    expect(isSlotFreed({ source: 'aws.events', 'detail-type': 'Scheduled Event' })).toBe(false);

    // The pass: 2 free slots, the two oldest held start, in arrival order; the third waits. It never
    // reads the counter: it takes one slot (the take answers what is left), the first item starts on
    // it, the second takes its own (the conditional slot), so each start costs one counter call.
    w.clock.advance(1);
    const ledger = w.deps.ledger;
    const calls = { slots: 0, takeSlot: 0, acquireSlots: 0 };
    const [slots, takeSlot, acquireSlots] = [ledger.slots!, ledger.takeSlot!, ledger.acquireSlots!];
    ledger.slots = () => (calls.slots++, slots());
    ledger.takeSlot = (...a) => (calls.takeSlot++, takeSlot(...a));
    ledger.acquireSlots = (...a) => (calls.acquireSlots++, acquireSlots(...a));
    const pass = await releaseAdmission(w.deps);
    Object.assign(ledger, { slots, takeSlot, acquireSlots });
    expect(calls).toEqual({ slots: 0, takeSlot: 1, acquireSlots: 1 });
    expect((await ledger.slots!()).n).toBe(5);
    expect(pass.free).toBe(2);
    expect(pass.deferrals.map((d) => [d.resourceId, d.result])).toEqual([
      [sg(5), 'released'],
      [sg(6), 'released'],
    ]);
    expect(w.automations.slice(5).map((a) => a.parameters['GroupId'])).toEqual([[sg(5)], [sg(6)]]);
    expect((await w.started.ledger.listDeferrals()).map((d) => d.resourceId)).toEqual([sg(7)]);

    // A second event for the same slots (coalesced, or a retry) finds none free: nothing happens.
    const again = await releaseAdmission(w.deps);
    expect(again).toEqual({ free: 0, deferrals: [] });
    expect(w.automations).toHaveLength(7);

    // The last held starts; after that, freed slots put no event (nothing is held).
    await finish(outcomes[2]!.executionId!, b.publisher);
    expect(b.put).toHaveLength(3);
    await releaseAdmission(w.deps);
    expect(w.automations).toHaveLength(8);
    expect(await w.started.ledger.listDeferrals()).toEqual([]);
    await finish(outcomes[3]!.executionId!, b.publisher);
    expect(b.put).toHaveLength(3);
  });

  it('the slot the pass took is used by the first item that starts, and given back when none starts', async () => {
    w = await world();
    w.deps.config.admission = admissionLimits(2 / 100, 0.5);
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(...(await handleEvent(finding(sg(400 + i)), w.deps)));
    expect(outcomes.map((o) => o.code)).toEqual([undefined, undefined, 'admission', 'admission']);
    await finish(outcomes[0]!.executionId!);
    expect((await w.started.ledger.slots!()).n).toBe(1);

    // The oldest held is compliant now: dropped, nothing starts, so the slot the pass took goes back.
    w.compliance.set(`restricted-ssh|${sg(402)}`, { compliance: 'COMPLIANT' });
    w.clock.advance(1);
    const pass = await releaseAdmission(w.deps);
    expect(pass.free).toBe(1);
    expect(pass.deferrals.map((d) => [d.resourceId, d.result])).toEqual([[sg(402), 'already-compliant']]);
    // One item listed (one free slot), none started: the counter is as before.
    expect((await w.started.ledger.slots!()).n).toBe(1);
    expect(w.automations).toHaveLength(2);
    expect((await w.started.ledger.listDeferrals()).map((d) => d.resourceId)).toEqual([sg(403)]);

    // The next pass: sg(403) starts on the slot the pass took; one slot taken, none given back.
    const pass2 = await releaseAdmission(w.deps);
    expect(pass2.deferrals.map((d) => [d.resourceId, d.result])).toEqual([[sg(403), 'released']]);
    expect((await w.started.ledger.slots!()).n).toBe(2);
    // The share is full: a pass now takes nothing, releases nothing, leaves the counter alone.
    expect(await releaseAdmission(w.deps)).toEqual({ free: 0, deferrals: [] });
    expect((await w.started.ledger.slots!()).n).toBe(2);
  });

  it('a slot given back while the share was full signals without reading held work; otherwise it reads first', async () => {
    w = await world();
    const admission = admissionLimits(2 / 100, 0.5);
    w.deps.config.admission = admission;
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(...(await handleEvent(finding(sg(300 + i)), w.deps)));
    expect(outcomes.map((o) => o.code)).toEqual([undefined, undefined, 'admission']);
    const listHeld = w.started.ledger.listHeld!.bind(w.started.ledger);
    let reads = 0;
    w.started.ledger.listHeld = (...a) => (reads++, listHeld(...a));
    const b = bus();
    /** Completes one execution; answers [held-work reads, events put] by that completion. */
    const end = async (executionId: string) => {
      const [r0, p0] = [reads, b.put.length];
      w.automationStatus.set(executionId, { executionId, status: 'Success' });
      await handleCompletion(automationStatusEvent(executionId, 'Success'), {
        ...w.deps,
        slotSignal: b.publisher,
        admission,
      });
      return [reads - r0, b.put.length - p0];
    };

    // 2 of 2 open before this return: held work is certain enough, the event goes without the read.
    expect(await end(outcomes[0]!.executionId!)).toEqual([0, 1]);
    const pass = await releaseAdmission(w.deps);
    expect(pass.deferrals.map((d) => d.result)).toEqual(['released']);
    // Full again, nothing held: the event still goes; the pass it wakes finds nothing to do.
    expect(await end(outcomes[1]!.executionId!)).toEqual([0, 1]);
    expect((await releaseAdmission(w.deps)).deferrals).toEqual([]);
    // 1 of 2 open before this return: the share was not full, so it reads, finds nothing, puts nothing.
    const released = pass.deferrals[0]!.outcomes![0]!.executionId!;
    expect(await end(released)).toEqual([1, 0]);
    expect((await w.started.ledger.slots!()).n).toBe(0);
  });

  it('the signal never fails the completion: a refused put is logged, the slot is still given back', async () => {
    w = await world();
    w.deps.config.admission = admissionLimits(1 / 100, 0.5);
    const outcomes = [];
    for (let i = 0; i < 2; i++) outcomes.push(...(await handleEvent(finding(sg(100 + i)), w.deps)));
    expect(outcomes.map((o) => o.code)).toEqual([undefined, 'admission']);
    const b = bus(true);
    await finish(outcomes[0]!.executionId!, b.publisher);
    expect((await w.started.ledger.slots!()).n).toBe(0);
    expect(w.logs.some((l) => l.message.includes('not signalled'))).toBe(true);
    // Without a bus (the sweep closing an execution), no signal at all.
    expect(await signalSlotFreed({ ledger: w.started.ledger, log: w.deps.log }, 'x')).toBe(false);
    expect(SLOT_FREED.detailType).toBe('Admission Slot Freed');
  });

  it('a start that fails gives its slot back and wakes held admission work the same way (transient or permanent)', async () => {
    w = await world();
    w.deps.config.admission = admissionLimits(2 / 100, 0.5);
    const b = bus();
    const deps = {
      ...w.deps,
      slotsReturned: (slots: number) =>
        signalSlotFreed(
          { ledger: w.started.ledger, slotSignal: b.publisher, log: w.deps.log },
          undefined,
          slots,
        ),
    };
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(...(await handleEvent(finding(sg(200 + i)), deps)));
    expect(outcomes.map((o) => o.code)).toEqual([undefined, undefined, 'admission']);
    // One ends and its signal is lost (the sweep closed it: no bus): a slot is free, sg(202) still held.
    await finish(outcomes[0]!.executionId!);
    expect((await w.started.ledger.slots!()).n).toBe(1);
    expect(b.put).toHaveLength(0);

    // A new finding takes the free slot, and SSM refuses the start: the slot is given back and signalled.
    const start = w.deps.automation.start;
    const refuse = (name: string) => {
      deps.automation = {
        start: async () => {
          throw Object.assign(new Error('refused'), { name });
        },
      };
    };
    refuse('ThrottlingException');
    const [throttled] = await handleEvent(finding(sg(203)), deps);
    expect(throttled).toMatchObject({ outcome: 'deferred', code: 'transient-error' });
    expect((await w.started.ledger.slots!()).n).toBe(1);
    expect(b.put).toEqual([
      {
        source: 'ssm-remediator',
        detailType: 'Admission Slot Freed',
        detail: { startFailed: true, slots: 1 },
      },
    ]);
    refuse('InvalidAutomationExecutionParametersException');
    const [refused] = await handleEvent(finding(sg(204)), deps);
    expect(refused).toMatchObject({ outcome: 'failed', code: 'api-error' });
    expect(b.put).toHaveLength(2);

    // The pass the event wakes starts the held work on that slot, not the sweep.
    deps.automation = { start };
    const pass = await releaseAdmission(deps);
    expect(pass.deferrals.map((d) => [d.resourceId, d.result])).toEqual([[sg(202), 'released']]);
    expect(w.automations.map((a) => a.parameters['GroupId'])).toEqual([[sg(200)], [sg(201)], [sg(202)]]);

    // Nothing held for admission any more: a failed start gives its slot back and puts nothing.
    await finish(outcomes[1]!.executionId!);
    refuse('ThrottlingException');
    expect(await handleEvent(finding(sg(205)), deps)).toMatchObject([{ code: 'transient-error' }]);
    expect((await w.started.ledger.slots!()).n).toBe(1);
    expect(b.put).toHaveLength(2);
  });
});
