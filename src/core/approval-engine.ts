/**
 * The engine's side of mode `approve` (src/core/approval.ts): before deciding, the approval gate is
 * read (an approved request acts as `auto` with the approver recorded; a rejected or timed-out one is
 * a quiet duplicate, as the reconcile sweep ends and announces it; one still pending and held is not
 * asked twice). After a decision that would act is held for approval, the request is kept (with the
 * plan) before the hold, so the hold never waits on a request that does not exist. If the hold's write
 * then fails, the invocation fails and its retry finds the request pending but nothing held: it asks
 * again (the stored request is reused, the work held, the message posted), so the work is not dropped.
 * The Slack message with the buttons is the outcome's notification.
 */
import type { LedgerPort } from '../ports/ledger.ts';
import type { ApprovalsPort } from '../ports/approvals.ts';
import { approvalGate, approvalIdOf, approvalRequest, approvalTimeoutMs } from './approval.ts';
import type { Decision } from './decide.ts';
import type { Remediation } from './remediation.ts';
import type { Finding, Mode, Outcome, SkippedOutcome } from '../model/types.ts';

export interface ApprovalRead {
  /** The decision is final without deciding (rejected, timed out, or already asked and pending). */
  stop?: Decision;
  /** Approved: decide as `auto`, and record who approved. */
  approvedBy?: string;
  mode: Mode;
}

/** Reads the approval gate for a remediation in mode `approve` (throws if the store cannot be read). */
export async function readApproval(
  finding: Finding,
  r: Remediation,
  mode: Mode,
  at: Date,
  approvals: ApprovalsPort | undefined,
  ledger: Pick<LedgerPort, 'getDeferral'>,
): Promise<ApprovalRead> {
  if (mode !== 'approve') return { mode };
  if (!approvals) throw new Error('no approvals store is wired');
  const id = approvalIdOf(r, finding);
  const gate = approvalGate(await approvals.get(id), at);
  const stop = (o: Pick<SkippedOutcome, 'outcome' | 'code' | 'reason'>): ApprovalRead => ({
    mode,
    stop: {
      gates: [],
      verdict: 'stop',
      actions: [],
      outcome: {
        eventId: finding.eventId,
        remediation: r.id,
        family: finding.family,
        resourceType: finding.resourceType,
        resourceId: finding.resourceId,
        account: finding.account,
        region: finding.region,
        mode,
        approvalId: id,
        actions: [],
        ...o,
      },
    },
  });
  if (gate.kind === 'approved') return { mode: gate.mode, approvedBy: gate.approvedBy };
  // Ended (rejected, or timed out): the reconcile sweep ends the held finding and announces that, once
  // (src/core/approval-release.ts). A redelivery of the finding's event, before or after the sweep, is a
  // quiet duplicate; reporting the ending here too would announce it twice.
  if (gate.kind === 'ended')
    return stop({
      outcome: 'skipped',
      code: 'duplicate',
      reason: `approval ${id} already ended (${gate.code}): ${gate.reason}`,
    });
  if (gate.kind === 'pending' && !(await heldForApproval(ledger, r, finding))) return { mode };
  if (gate.kind === 'pending')
    return stop({
      outcome: 'skipped',
      code: 'duplicate',
      reason: `already waiting for approval ${id} (until ${gate.expiresAt})`,
    });
  return { mode };
}

/** The work is held waiting for this very request (same remediation, resource and finding time). */
async function heldForApproval(
  ledger: Pick<LedgerPort, 'getDeferral'>,
  r: Remediation,
  finding: Finding,
): Promise<boolean> {
  const d = await ledger.getDeferral(r.id, finding.resourceId);
  return d?.code === 'approval' && d.findingTime === finding.orderingTime;
}

/** The decision with its approver recorded (the outcome, and through it the execution's tags). */
export function approvedDecision(d: Decision, approvedBy: string | undefined, id: string): Decision {
  if (!approvedBy) return d;
  const reason = d.verdict === 'act' ? `${d.outcome.reason} (approved by ${approvedBy})` : d.outcome.reason;
  return { ...d, outcome: { ...d.outcome, approvedBy, approvalId: id, reason } };
}

/** Keeps the approval request of a decision held for approval; the outcome names it. */
export async function askApproval(
  finding: Finding,
  r: Remediation,
  outcome: Outcome,
  settings: Record<string, string | undefined>,
  approvals: ApprovalsPort | undefined,
  now: Date,
): Promise<Outcome> {
  if (!approvals) throw new Error('no approvals store is wired');
  const stored = await approvals.request(
    approvalRequest(finding, r, outcome, now, approvalTimeoutMs(settings)),
  );
  return {
    ...outcome,
    approvalId: stored.id,
    reason: `${outcome.reason}; approval ${stored.id} asked, until ${stored.expiresAt}`,
  };
}
