/**
 * Approvals (mode `approve`, docs/approvals.md): when a decision would act and the remediation's mode
 * is `approve`, the finding is held (`deferred`, code `approval`) and an approval request keeps the
 * plan until someone on the stage's allow-list approves or rejects it, or it times out (the
 * remediation's `approvalTimeout` setting, default 1 h). The request's id is derived from the
 * finding, so a redelivery asks once, and a release of the held finding finds the answer. Pure.
 */
import { createHash } from 'node:crypto';
import type { Remediation } from './remediation.ts';
import type { ApprovalRecord } from '../ports/approvals.ts';
import { durationMs } from '../model/duration.ts';
import type { Finding, Mode, Outcome } from '../model/types.ts';

export const DEFAULT_APPROVAL_TIMEOUT = '1h';

/** The remediation's approval timeout (its `approvalTimeout` setting, stage override first; default 1 h). */
export function approvalTimeoutMs(settings: Record<string, string | undefined>): number {
  return durationMs(settings['approvalTimeout'] ?? DEFAULT_APPROVAL_TIMEOUT) ?? 3_600_000;
}

/** The approval id of one (remediation, resource, finding): `ap-` and 20 hex digits. */
export function approvalId(remediationId: string, resourceId: string, findingTime: string): string {
  const h = createHash('sha256').update(`${remediationId}\n${resourceId}\n${findingTime}`).digest('hex');
  return `ap-${h.slice(0, 20)}`;
}

export const approvalIdOf = (r: Pick<Remediation, 'id'>, f: Pick<Finding, 'resourceId' | 'orderingTime'>) =>
  approvalId(r.id, f.resourceId, f.orderingTime);

/** The request an approval-mode decision asks for. */
export function approvalRequest(
  finding: Finding,
  r: Pick<Remediation, 'id'>,
  o: Pick<Outcome, 'actions' | 'reason'>,
  now: Date,
  timeoutMs: number,
): ApprovalRecord {
  return {
    id: approvalIdOf(r, finding),
    state: 'pending',
    remediationId: r.id,
    resourceId: finding.resourceId,
    resourceType: finding.resourceType,
    family: finding.family,
    findingTime: finding.orderingTime,
    eventId: finding.eventId,
    account: finding.account,
    region: finding.region,
    actions: o.actions.filter((a) => a.kind === 'startAutomation' || a.kind === 'sendCommand'),
    reason: o.reason,
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + timeoutMs).toISOString(),
  };
}

/** Who decided, as outcomes name them (`slack:U123` → `<@U123>` in Slack; an ARN as is). */
export const approverName = (by: string | undefined) => by ?? 'someone';

/**
 * The approval gate, read for a remediation in mode `approve` before deciding: an approved request
 * lets the decision act (as in `auto`, with the approver recorded); a rejected or timed-out one ends
 * the finding; a pending one (or none) holds it for approval.
 */
export type ApprovalGate =
  | { kind: 'ask' }
  | { kind: 'approved'; mode: Mode; approvedBy: string }
  | { kind: 'ended'; code: 'rejected-by' | 'approval-timeout'; reason: string }
  | { kind: 'pending'; expiresAt: string };

export function approvalGate(a: ApprovalRecord | undefined, now: Date): ApprovalGate {
  if (!a) return { kind: 'ask' };
  if (a.state === 'approved')
    return { kind: 'approved', mode: 'auto', approvedBy: approverName(a.decidedBy) };
  if (a.state === 'rejected')
    return {
      kind: 'ended',
      code: 'rejected-by',
      reason: `rejected by ${approverName(a.decidedBy)} at ${a.decidedAt ?? '?'}; nothing was started`,
    };
  if (a.state === 'expired' || a.expiresAt <= now.toISOString()) return timedOut(a);
  return { kind: 'pending', expiresAt: a.expiresAt };
}

export function timedOut(
  a: Pick<ApprovalRecord, 'requestedAt' | 'expiresAt'>,
): ApprovalGate & { kind: 'ended' } {
  return {
    kind: 'ended',
    code: 'approval-timeout',
    reason: `nobody approved it between ${a.requestedAt} and ${a.expiresAt}; nothing was started`,
  };
}

/** What a decision (a Slack click or the CLI) does to a request, before the conditional write. */
export type DecisionCheck =
  | { ok: true }
  | {
      ok: false;
      status: 403 | 404 | 409;
      reason: 'not-an-approver' | 'unknown-approval' | 'already-decided' | 'expired';
    };

export function checkDecision(
  a: ApprovalRecord | undefined,
  by: { slackUser?: string; principal?: string },
  approvers: readonly string[],
  now: Date,
  groupMembers: ReadonlyMap<string, readonly string[]> = new Map(),
): DecisionCheck {
  if (by.slackUser !== undefined && !isApprover(by.slackUser, approvers, groupMembers))
    return { ok: false, status: 403, reason: 'not-an-approver' };
  if (!a) return { ok: false, status: 404, reason: 'unknown-approval' };
  if (a.state !== 'pending') return { ok: false, status: 409, reason: 'already-decided' };
  if (a.expiresAt <= now.toISOString()) return { ok: false, status: 409, reason: 'expired' };
  return { ok: true };
}

/** A Slack user id (`U…`, or `W…` on Enterprise Grid). */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,20}$/;
/** A Slack user-group id (`S…`): its members approve (Web API `usergroups.users.list`). */
export const SLACK_GROUP_ID = /^S[A-Z0-9]{2,20}$/;

export const isSlackGroup = (id: string) => SLACK_GROUP_ID.test(id);

/** The approvers param's tokens (`U123,S456`, commas or spaces), the ones that are neither kind apart. */
export function approverTokens(text: string | undefined): { ids: string[]; unknown: string[] } {
  const tokens = (text ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const known = (t: string) => SLACK_USER_ID.test(t) || SLACK_GROUP_ID.test(t);
  return { ids: tokens.filter(known), unknown: tokens.filter((t) => !known(t)) };
}

/**
 * The approvers allow-list param as Slack user ids and user-group ids, mixed. A token that is neither
 * throws, naming it: the setting's validation refuses it at package time, and a function started with
 * one anyway refuses to start rather than run with an allow-list shorter than the operator wrote.
 */
export function parseApprovers(text: string | undefined): string[] {
  const { ids, unknown } = approverTokens(text);
  if (unknown.length > 0)
    throw new Error(
      `approvers: ${unknown.map((t) => JSON.stringify(t)).join(', ')} is not a Slack user id (U…/W…) or user-group id (S…)`,
    );
  return ids;
}

/** The user groups of an allow-list. */
export const approverGroups = (approvers: readonly string[]) => approvers.filter(isSlackGroup);

/** Whether a Slack user may decide: named in the list, or a member of one of its groups (as read). */
export function isApprover(
  user: string,
  approvers: readonly string[],
  groupMembers: ReadonlyMap<string, readonly string[]>,
): boolean {
  if (isSlackGroup(user)) return false;
  if (approvers.includes(user)) return true;
  return approverGroups(approvers).some((g) => groupMembers.get(g)?.includes(user) ?? false);
}
