/**
 * The reconcile function's answer to `Approval Decided` (src/events/approval.ts): an operator's
 * decision (`remediator approve|reject`) is recorded here, once (a conditional write; a second or a
 * late one is refused and logged); then the held finding of that approval is released at once
 * through the normal release (src/core/approval-release.ts), instead of at the next sweep.
 */
import type { StoredDeferral } from '../ports/ledger-store.ts';
import { approvalIdOf, checkDecision } from './approval.ts';
import { releaseDeferrals, type ReleaseReport } from './held-release.ts';
import type { ReconcileDeps } from './reconcile.ts';
import { errorMessage } from '../model/errors.ts';
import type { ApprovalDecided } from '../events/approval.ts';

export interface ApprovalDecidedReport {
  approvalId: string;
  recorded?: boolean;
  refused?: string;
  released: ReleaseReport[];
}

export async function onApprovalDecided(
  e: ApprovalDecided,
  deps: ReconcileDeps,
): Promise<ApprovalDecidedReport> {
  const out: ApprovalDecidedReport = { approvalId: e.approvalId, released: [] };
  if (!deps.approvals) throw new Error('no approvals store is wired');
  const now = deps.now();
  if (e.via === 'operator') {
    const a = await deps.approvals.get(e.approvalId);
    const check = checkDecision(a, { principal: e.by }, [], now);
    if (!check.ok) {
      deps.log.warn('approval decision refused', {
        approvalId: e.approvalId,
        by: e.by,
        reason: check.reason,
      });
      return { ...out, refused: check.reason };
    }
    out.recorded = await deps.approvals.decide(e.approvalId, e.decision, e.by, now);
    if (!out.recorded) {
      deps.log.warn('approval decision refused', {
        approvalId: e.approvalId,
        by: e.by,
        reason: 'already-decided',
      });
      return { ...out, refused: 'already-decided' };
    }
  }
  let held: StoredDeferral[];
  try {
    held = (await (deps.ledger.listHeld?.('approval', 10_000) ?? deps.ledger.listDeferrals())).filter(
      (d) =>
        d.code === 'approval' &&
        approvalIdOf({ id: d.remediationId }, { resourceId: d.resourceId, orderingTime: d.findingTime }) ===
          e.approvalId,
    );
  } catch (err) {
    // The decision is recorded; the schedule's sweep releases the held work.
    deps.log.warn('held work not listed; the sweep releases it', { error: errorMessage(err) });
    return out;
  }
  out.released = held.length ? await releaseDeferrals(deps, { held }) : [];
  return out;
}
