/**
 * The reconcile function's light path for `Admission Slot Freed` (src/core/admission-release.ts):
 * the oldest admission work, as many items as the share has free slots, released through the
 * sweep's own release code (src/core/held-release.ts: lease, Config re-check, every gate, the slot
 * taken by execute.ts), and nothing else (no polls, no verification, no redrive, no backfill).
 * One pass takes every free slot, so events that arrive while one runs find nothing more to do:
 * with the function's reserved concurrency of 1, Lambda's retries of throttled events coalesce.
 */
import { freeSlots, oldestAdmissionWork } from './admission-release.ts';
import { releaseDeferrals, type ReleaseReport } from './held-release.ts';
import type { ReconcileDeps } from './reconcile.ts';

export interface AdmissionPassReport {
  /** Free slots the pass found. */
  free: number;
  deferrals: ReleaseReport[];
}

export async function releaseAdmission(deps: ReconcileDeps): Promise<AdmissionPassReport> {
  const free = await freeSlots(deps);
  const held = await oldestAdmissionWork(deps.ledger, free);
  if (held.length === 0) return { free, deferrals: [] };
  return { free, deferrals: await releaseDeferrals(deps, { held, room: free }) };
}
