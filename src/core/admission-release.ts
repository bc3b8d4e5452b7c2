/**
 * Prompt admission release (issue #13). Work over the service's share of SSM's Automation quota is
 * held (hold code `admission`, src/core/hold.ts) and the reconcile sweep starts it in arrival order.
 * Waiting for the sweep alone bounds a storm's throughput by the sweep rate, not by SSM's quota; so
 * when an execution ends and frees a slot while admission work is held, the completion function puts
 * one `Admission Slot Freed` event on the service's own bus, and the reconcile function answers it
 * with a light pass: the oldest admission work, as many items as there are free slots, through the
 * same release code as the sweep (lease, Config re-check, every gate, the slot taken by execute.ts).
 * The completion function never starts anything itself. The sweep stays the backstop: a lost event
 * only delays the work to the next sweep. See docs/quota-waits.md.
 *
 * A start that fails (SSM refused it, permanently or for now) gives its slot back too: the remediate
 * function then puts the same event (`detail.startFailed`), through `slotsReturned` in execute.ts.
 */
import { errorMessage } from '../model/errors.ts';
import type { EventPublisherPort } from '../ports/event-publisher.ts';
import type { LedgerPort, LogPort } from '../ports/index.ts';
import type { LedgerStore, StoredDeferral } from '../ports/ledger-store.ts';
import { admits, type AdmissionLimits } from './admission.ts';

/** The event: the service's own source (the bus policy lets only CompleteRole put this detail-type). */
export const SLOT_FREED = { source: 'ssm-remediator', detailType: 'Admission Slot Freed' } as const;

/** Whether an event is the completion function's `Admission Slot Freed`. */
export function isSlotFreed(event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const e = event as Record<string, unknown>;
  return e['source'] === SLOT_FREED.source && e['detail-type'] === SLOT_FREED.detailType;
}

export interface SlotSignalDeps {
  ledger: Pick<LedgerStore, 'listHeld'>;
  /** Puts events on the service's bus; unset (the reconcile sweep closing an execution): no signal. */
  slotSignal?: EventPublisherPort;
  log: LogPort;
}

/**
 * After a slot was freed (an execution ended, or a start failed and gave its slots back): one event when admission work is held (a one-item read of held work
 * first, so a quiet service puts no events and wakes no reconcile function). When the share was
 * full until this slot came back (`shareWasFull`: the counter before the return, src/core/completion.ts),
 * work arriving meanwhile was held, so the event goes without the read: in a storm, one read less per
 * execution; if nothing was held after all, the reconcile pass finds nothing. Never throws: a lost
 * signal leaves the work held for the sweep.
 */
export async function signalSlotFreed(
  deps: SlotSignalDeps,
  executionId: string | undefined,
  slots = 1,
  shareWasFull = false,
): Promise<boolean> {
  if (!deps.slotSignal) return false;
  try {
    if (!shareWasFull && deps.ledger.listHeld && (await deps.ledger.listHeld('admission', 1)).length === 0)
      return false;
    // No execution: the slots of a start that failed (src/core/execute.ts), given back.
    const detail = executionId ? { executionId, slots } : { startFailed: true, slots };
    const { failed } = await deps.slotSignal.publish([{ ...SLOT_FREED, detail }]);
    if (failed.length) throw new Error(`${failed[0]!.errorCode}: ${failed[0]!.errorMessage ?? ''}`);
    return true;
  } catch (e) {
    deps.log.warn('admission slot freed but not signalled; the held work waits for the sweep', {
      ...(executionId ? { executionId } : { startFailed: true, slots }),
      error: errorMessage(e),
    });
    return false;
  }
}

/** Whether the counter before a return (`returnSlots`'s answer) said the share was full. */
export function wasFull(before: number | undefined, limits: AdmissionLimits | undefined): boolean {
  return before !== undefined && !!limits && !admits(before, 1, limits);
}

/** Whether `want` more Automation executions fit in the service's share now (the counter, read). */
export async function admissionRoom(
  deps: { config: { admission?: AdmissionLimits }; ledger: Pick<LedgerPort, 'slots'> },
  want = 1,
): Promise<boolean> {
  const limits = deps.config.admission;
  if (!limits || !deps.ledger.slots) return true;
  return admits((await deps.ledger.slots()).n, want, limits);
}

/** The oldest admission work, at most `max` items (the sweep's order: listDeferrals is arrival order). */
export async function oldestAdmissionWork(
  ledger: Pick<LedgerStore, 'listHeld' | 'listDeferrals'>,
  max: number,
): Promise<StoredDeferral[]> {
  if (max <= 0) return [];
  if (ledger.listHeld) return ledger.listHeld('admission', max);
  return (await ledger.listDeferrals()).filter((d) => d.code === 'admission').slice(0, max);
}
