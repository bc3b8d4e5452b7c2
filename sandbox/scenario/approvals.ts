/**
 * The rehearsal report's `approvals` section (mode `approve`, docs/approvals.md), judged from the
 * world, never from the service's log lines: the approval requests as the ledger table holds them
 * (`APPROVAL#<id>` items: pending, approved, rejected, expired, and who decided), the executions SSM
 * started for them (with the approver on their tags), and every interactive callback the sandbox's
 * Slack sent with the function's HTTP answer (sandbox/slack-interactions.ts). Pure.
 */
import type { CallbackRecord, Choice } from '../slack-interactions.ts';

export interface ApprovalItem {
  id: string;
  remediationId: string;
  resourceId: string;
  state: string;
  requestedAt: string;
  expiresAt: string;
  decidedBy?: string;
}

/** An execution the service started (SSM's side): its remediation and resource, and the approver its tags name. */
export interface ApprovalExecution {
  id: string;
  remediation: string;
  resource: string;
  startedAt: number;
  approvedBy?: string;
}

export interface ApprovalsReport {
  /** Approval requests in the ledger (one per remediation, resource and finding). */
  requests: number;
  approved: number;
  rejected: number;
  /** Ended by their timeout (state `expired`). */
  timedOut: number;
  /** Still pending at the end (not yet answered nor swept). */
  pending: number;
  /** Executions started for approved requests, and approved requests with exactly one. */
  started: number;
  startedOnce: number;
  /** Approved requests with no execution (a gate read again stopped it, e.g. already compliant). */
  approvedNotStarted: number;
  /** Executions for a request not approved (rejected, timed out, pending): must be 0. */
  startedWithoutApproval: number;
  /** Executions of an approved request more than once, or whose tags do not name its approver: must be 0. */
  startedTwice: number;
  approverMismatch: number;
  /** What the sandbox's Slack users chose for the requests that reached Slack. */
  chosen: Record<Choice, number>;
  callbacks: {
    sent: number;
    /** Answered 2xx: the decision was recorded. */
    accepted: number;
    /** Answered 4xx (refused: signature, timestamp, allow-list, decided once, expired). */
    refused: number;
    /** Neither (5xx or the invocation failed). */
    failed: number;
    byKind: Record<string, number>;
    /** `<status> <reason>` of each refusal. */
    refusedBy: Record<string, number>;
  };
  /** Forged or replayed callbacks the function accepted: must be 0. */
  forgedAccepted: number;
  replaysAccepted: number;
  /** Genuine clicks refused (late: after the timeout, or decided already). */
  genuineRefused: number;
  /** Per request (at most 50), for the HTML report. */
  items: {
    id: string;
    resource: string;
    state: string;
    decidedBy?: string;
    chosen?: Choice;
    executions: string[];
  }[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The `APPROVAL#` items of a ledger scan. */
export function approvalItems(ledger: Record<string, unknown>[]): ApprovalItem[] {
  return ledger
    .filter((i) => String(i['pk']).startsWith('APPROVAL#') && i['sk'] === 'APPROVAL')
    .map((i) => ({
      id: str(i['id']) ?? String(i['pk']).slice('APPROVAL#'.length),
      remediationId: str(i['remediationId']) ?? '',
      resourceId: str(i['resourceId']) ?? '',
      state: str(i['state']) ?? 'unknown',
      requestedAt: str(i['requestedAt']) ?? '',
      expiresAt: str(i['expiresAt']) ?? '',
      ...(str(i['decidedBy']) ? { decidedBy: str(i['decidedBy'])! } : {}),
    }))
    .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt) || a.id.localeCompare(b.id));
}

/** Who approved an execution, from its tags: `ssm-remediator:approved-by`, or `approved-by=` in the finding tag. */
export function approverOfTags(tags: { Key: string; Value: string }[]): string | undefined {
  const own = tags.find((t) => t.Key === 'ssm-remediator:approved-by')?.Value;
  if (own) return own;
  const finding = tags.find((t) => t.Key === 'ssm-remediator:finding')?.Value ?? '';
  return /(?:^| )approved-by=(\S+)/.exec(finding)?.[1];
}

const inc = (m: Record<string, number>, k: string): void => {
  m[k] = (m[k] ?? 0) + 1;
};

export function judgeApprovals(input: {
  requests: ApprovalItem[];
  executions: ApprovalExecution[];
  callbacks: CallbackRecord[];
  choices: { approvalId: string; choice: Choice }[];
}): ApprovalsReport {
  const chosenOf = new Map(input.choices.map((c) => [c.approvalId, c.choice]));
  const r: ApprovalsReport = {
    requests: input.requests.length,
    approved: 0,
    rejected: 0,
    timedOut: 0,
    pending: 0,
    started: 0,
    startedOnce: 0,
    approvedNotStarted: 0,
    startedWithoutApproval: 0,
    startedTwice: 0,
    approverMismatch: 0,
    chosen: { approve: 0, reject: 0, timeout: 0 },
    callbacks: { sent: 0, accepted: 0, refused: 0, failed: 0, byKind: {}, refusedBy: {} },
    forgedAccepted: 0,
    replaysAccepted: 0,
    genuineRefused: 0,
    items: [],
  };
  for (const c of input.choices) r.chosen[c.choice] += 1;
  for (const a of input.requests) {
    if (a.state === 'approved') r.approved += 1;
    else if (a.state === 'rejected') r.rejected += 1;
    else if (a.state === 'expired') r.timedOut += 1;
    else r.pending += 1;
    // Executions for this request: same remediation and resource, started after it was asked.
    const asked = Date.parse(a.requestedAt);
    const xs = input.executions.filter(
      (x) =>
        x.remediation === a.remediationId &&
        x.resource === a.resourceId &&
        (Number.isNaN(asked) || x.startedAt >= asked),
    );
    if (a.state === 'approved') {
      r.started += xs.length;
      if (xs.length === 0) r.approvedNotStarted += 1;
      if (xs.length === 1) r.startedOnce += 1;
      if (xs.length > 1) r.startedTwice += xs.length - 1;
      r.approverMismatch += xs.filter((x) => x.approvedBy !== a.decidedBy).length;
    } else r.startedWithoutApproval += xs.length;
    const chosen = chosenOf.get(a.id);
    if (r.items.length < 50)
      r.items.push({
        id: a.id,
        resource: a.resourceId,
        state: a.state,
        ...(a.decidedBy ? { decidedBy: a.decidedBy } : {}),
        ...(chosen ? { chosen } : {}),
        executions: xs.map((x) => x.id),
      });
  }
  for (const c of input.callbacks) {
    const cb = r.callbacks;
    cb.sent += 1;
    inc(cb.byKind, c.kind);
    const ok = c.status >= 200 && c.status < 300;
    if (ok) cb.accepted += 1;
    else if (c.status >= 400 && c.status < 500) {
      cb.refused += 1;
      inc(cb.refusedBy, `${c.status} ${c.answer}`);
    } else cb.failed += 1;
    if (ok && c.kind.startsWith('forged:')) r.forgedAccepted += 1;
    if (ok && c.kind === 'replay') r.replaysAccepted += 1;
    if (!ok && c.kind === 'genuine') r.genuineRefused += 1;
  }
  return r;
}

/** The summary's lines for the section. */
export function renderApprovals(a: ApprovalsReport): string[] {
  const fmt = (m: Record<string, number>) =>
    Object.entries(m)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  return [
    `Approvals              ${a.requests} requests (ledger): ${a.approved} approved, ${a.rejected} rejected, ${a.timedOut} timed out, ${a.pending} pending; ${a.started} executions for approved ones (${a.startedOnce} once, ${a.approvedNotStarted} stopped by a gate), ${a.startedWithoutApproval} without approval, ${a.approverMismatch} approver mismatches`,
    `  Slack callbacks      ${a.callbacks.sent} sent (${fmt(a.callbacks.byKind)}): ${a.callbacks.accepted} accepted, ${a.callbacks.refused} refused (${fmt(a.callbacks.refusedBy)}), ${a.callbacks.failed} failed; forged accepted ${a.forgedAccepted}, replays accepted ${a.replaysAccepted}`,
  ];
}
