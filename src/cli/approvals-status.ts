/** `remediator status`: the approval requests waiting for an approver (docs/approvals.md). */
import type { ApprovalRecord } from '../ports/approvals.ts';

export function approvalLines(pending: ApprovalRecord[], now: Date): string[] {
  if (pending.length === 0) return ['', 'Pending approvals: none'];
  return [
    '',
    `Pending approvals (${pending.length}): remediator approve|reject <id>`,
    ...pending.map((a) => {
      const left = Math.round((Date.parse(a.expiresAt) - now.getTime()) / 60_000);
      const plan = a.actions.map((x) => ('document' in x ? x.document : x.kind)).join(', ');
      return `  ${a.id}  ${a.remediationId} on ${a.resourceId}: ${plan || '—'} (times out ${a.expiresAt}, ${left} min)`;
    }),
  ];
}
