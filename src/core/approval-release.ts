/**
 * The reconcile sweep's step for work held for approval (hold code `approval`): a request still
 * pending waits; an approved one is released through every gate again (the engine's approval gate
 * then acts as `auto`, with the approver recorded); a rejected one ends `skipped: rejected-by`; one
 * past its timeout is marked expired (a conditional write, so a click at that instant is either
 * applied or refused, never both) and ends `skipped: approval-timeout`. Endings are announced.
 */
import { approvalGate, approvalIdOf } from './approval.ts';
import { report } from './announce.ts';
import type { ReconcileDeps } from './reconcile.ts';
import type { StoredDeferral } from '../ports/ledger-store.ts';
import type { Outcome } from '../model/types.ts';

/** `release`: through every gate again; otherwise how it ended (the sweep's release report). */
export type ApprovalStep = 'release' | { result: 'waiting' | 'busy' | 'released'; outcomes?: Outcome[] };

export async function approvalStep(d: StoredDeferral, deps: ReconcileDeps, now: Date): Promise<ApprovalStep> {
  if (!deps.approvals) return { result: 'waiting' };
  const id = approvalIdOf({ id: d.remediationId }, { resourceId: d.resourceId, orderingTime: d.findingTime });
  const a = await deps.approvals.get(id);
  const gate = approvalGate(a, now);
  // Approved, or no request (asked again by the engine): through every gate again.
  if (gate.kind === 'approved' || gate.kind === 'ask') return 'release';
  if (gate.kind === 'pending') return { result: 'waiting' };
  if (gate.code === 'approval-timeout' && a?.state === 'pending') {
    // Decided meanwhile: the next sweep reads the decision.
    if (!(await deps.approvals.decide(id, 'expired', undefined, now))) return { result: 'waiting' };
  }
  const lease = await deps.ledger.leaseDeferral(
    d.remediationId,
    d.resourceId,
    now,
    deps.options.deferralLeaseSeconds,
  );
  if (!lease || !(await deps.ledger.dropDeferral(d.remediationId, d.resourceId, lease)))
    return { result: 'busy' };
  const o: Outcome = {
    eventId: d.eventId,
    remediation: d.remediationId,
    family: d.family,
    resourceType: d.resourceType,
    resourceId: d.resourceId,
    account: d.account,
    region: d.region,
    mode: 'approve',
    actions: [],
    approvalId: id,
    outcome: 'skipped',
    code: gate.code,
    reason: gate.reason,
    at: now.toISOString(),
  };
  await report([o], deps);
  return { result: 'released', outcomes: [o] };
}
