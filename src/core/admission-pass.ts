/**
 * The reconcile function's light path for `Admission Slot Freed` (src/core/admission-release.ts):
 * the oldest admission work, as many items as the share has free slots, released through the
 * sweep's own release code (src/core/held-release.ts: lease, Config re-check, every gate, the slot
 * taken by execute.ts), and nothing else (no polls, no verification, no redrive, no backfill).
 * One pass takes every free slot, so events that arrive while one runs find nothing more to do:
 * with the function's reserved concurrency of 1, Lambda's retries of throttled events coalesce.
 *
 * The pass begins by taking one slot (one conditional write that also answers how many are left)
 * rather than reading the counter: the first item that starts uses it, so a released finding pays
 * no separate read. A slot no item used is given back before the pass ends (if the invocation dies
 * first, the sweep re-derives the counter, src/core/recovery.ts).
 */
import { errorMessage } from '../model/errors.ts';
import { oldestAdmissionWork } from './admission-release.ts';
import { releaseDeferrals, type ReleaseReport } from './held-release.ts';
import type { ReconcileDeps } from './reconcile.ts';

export interface AdmissionPassReport {
  /** Free slots the pass found (the one it took included). */
  free: number;
  deferrals: ReleaseReport[];
}

export async function releaseAdmission(deps: ReconcileDeps): Promise<AdmissionPassReport> {
  const limits = deps.config.admission;
  // No share (or a ledger without the counter): no slot is ever known free, so nothing to release here.
  if (!limits || !deps.ledger.takeSlot || !deps.ledger.returnSlots) return { free: 0, deferrals: [] };
  const after = await deps.ledger.takeSlot(limits.open, deps.now());
  if (after === undefined) return { free: 0, deferrals: [] };
  const free = 1 + Math.max(0, limits.open - after);
  const slots = { n: 1 };
  try {
    const held = await oldestAdmissionWork(deps.ledger, free);
    if (held.length === 0) return { free, deferrals: [] };
    return { free, deferrals: await releaseDeferrals(deps, { held, room: free - 1, slots }) };
  } finally {
    if (slots.n > 0)
      await deps.ledger.returnSlots(slots.n).catch((e: unknown) =>
        deps.log.warn('admission slot not given back; the sweep re-derives the counter', {
          slots: slots.n,
          error: errorMessage(e),
        }),
      );
  }
}
