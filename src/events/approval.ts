/**
 * `Approval Decided` on the service's bus (docs/approvals.md): from the approval-callback function
 * (source `ssm-remediator`, the decision already recorded) or from `remediator approve|reject`
 * (source `ssm-remediator.operator`, the decision and who decided: the caller's IAM identity). The
 * reconcile function acts on it at once; without it the schedule's sweep does, later.
 */
import * as z from '../model/zod.ts';
import { OPERATOR_EVENT_SOURCE } from './operator.ts';

export const APPROVAL_DECIDED = 'Approval Decided';
export const SERVICE_EVENT_SOURCE = 'ssm-remediator';

/** An approval id (src/core/approval.ts `approvalId`). */
export const approvalIdSchema = z
  .string()
  .check(z.regex(/^ap-[0-9a-f]{20}$/, 'must be an approval id (ap-…)'));

const principal = z
  .string()
  .check(z.regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:[\w+=,.@/-]{1,512}$/, 'must be an IAM or STS ARN'));

export const approvalDecidedByOperator = z.object({
  approvalId: approvalIdSchema,
  decision: z.enum(['approve', 'reject']),
  requestedBy: principal,
});
export const approvalDecidedBySlack = z.object({ approvalId: approvalIdSchema });

export type ApprovalDecided =
  | { via: 'operator'; approvalId: string; decision: 'approved' | 'rejected'; by: string }
  | { via: 'slack'; approvalId: string };

/** The decision an event carries, if it is an `Approval Decided`; throws (zod) if its detail is wrong. */
export function parseApprovalDecided(event: unknown): ApprovalDecided | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as Record<string, unknown>;
  if (e['detail-type'] !== APPROVAL_DECIDED) return undefined;
  if (e['source'] === OPERATOR_EVENT_SOURCE) {
    const d = approvalDecidedByOperator.parse(e['detail']);
    return {
      via: 'operator',
      approvalId: d.approvalId,
      decision: d.decision === 'approve' ? 'approved' : 'rejected',
      by: d.requestedBy,
    };
  }
  if (e['source'] === SERVICE_EVENT_SOURCE)
    return { via: 'slack', ...approvalDecidedBySlack.parse(e['detail']) };
  return undefined;
}
