/**
 * Slack's interactive callback, decided (the approval-callback function is glue around this): verify
 * Slack's signature (src/core/slack-signature.ts), parse the click (approval-payload.ts), check the
 * approver allow-list and the request's state, then record the decision once (a conditional write:
 * a replayed or second click is refused with 409), signal the reconcile function, and update the
 * Slack message in place through `response_url`. Every refusal is logged with its reason, never
 * with the secret or the signature.
 */
import type { LogPort } from '../ports/index.ts';
import type { ApprovalsPort } from '../ports/approvals.ts';
import { approverGroups, checkDecision } from './approval.ts';
import { parseApprovalCallback, PayloadError, type ApprovalClick } from './approval-payload.ts';
import { errorMessage } from '../model/errors.ts';
import { header, verifySlackSignature } from './slack-signature.ts';

export interface CallbackRequest {
  headers: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
}

export interface CallbackResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface CallbackDeps {
  /** The signing secret (SecureString); '' or undefined refuses every request. */
  signingSecret(): Promise<string | undefined>;
  /** Slack user ids and user-group ids (`S…`) that may approve or reject on this stage. */
  approvers: readonly string[];
  /**
   * The members of a Slack user group (Web API `usergroups.users.list`, cached briefly); throws when
   * they cannot be read (no bot token, Slack down, `ok:false`). Absent: a group can not be read.
   */
  groupMembers?(group: string): Promise<readonly string[]>;
  approvals: ApprovalsPort;
  /** Tells the reconcile function to act on the decision now (PutEvents); the sweep is the backstop. */
  signal(approvalId: string): Promise<void>;
  /** Replaces the Slack message (response_url); failures are logged, never fatal. */
  respond?(url: string, text: string): Promise<void>;
  log: LogPort;
  now: () => Date;
}

const answer = (statusCode: number, body: string): CallbackResponse => ({
  statusCode,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body,
});

export async function handleApprovalCallback(
  req: CallbackRequest,
  deps: CallbackDeps,
): Promise<CallbackResponse> {
  const now = deps.now();
  const body = req.isBase64Encoded
    ? Buffer.from(req.body ?? '', 'base64').toString('utf8')
    : (req.body ?? '');
  const refuse = (status: number, reason: string, extra: Record<string, unknown> = {}) => {
    deps.log.warn('approval callback refused', {
      reason,
      status,
      timestamp: header(req.headers, 'x-slack-request-timestamp'),
      ...extra,
    });
    return answer(status, reason);
  };
  const secret = await deps.signingSecret();
  if (!secret) return refuse(503, 'no-signing-secret');
  const verdict = verifySlackSignature({ secret, headers: req.headers, body, now });
  if (!verdict.ok) return refuse(401, verdict.reason);

  let click: ApprovalClick;
  try {
    click = parseApprovalCallback(body);
  } catch (e) {
    if (!(e instanceof PayloadError)) throw e;
    return refuse(400, 'bad-payload', { error: e.message });
  }
  const who = { approvalId: click.approvalId, user: click.userId, decision: click.decision };
  const groups = await readGroups(click.userId, deps);
  if (!groups.ok)
    return refuse(503, 'approvers-unreadable', { ...who, group: groups.group, error: groups.error });
  const check = checkDecision(
    await deps.approvals.get(click.approvalId),
    { slackUser: click.userId },
    deps.approvers,
    now,
    groups.members,
  );
  if (!check.ok) return refuse(check.status, check.reason, who);
  // The one write that decides: a replay (or a click racing the timeout) finds it decided.
  if (!(await deps.approvals.decide(click.approvalId, click.decision, `slack:${click.userId}`, now)))
    return refuse(409, 'already-decided', who);
  deps.log.info('approval decided', who);

  try {
    await deps.signal(click.approvalId);
  } catch (e) {
    deps.log.warn('Approval Decided not signalled; the reconcile sweep acts on it', {
      ...who,
      error: errorMessage(e),
    });
  }
  const text =
    click.decision === 'approved'
      ? `:white_check_mark: Approved by <@${click.userId}>: running the gates again, then acting (${click.approvalId})`
      : `:no_entry: Rejected by <@${click.userId}>: nothing will start (${click.approvalId})`;
  if (click.responseUrl && deps.respond) {
    try {
      await deps.respond(click.responseUrl, text);
    } catch (e) {
      deps.log.warn('Slack message not updated in place', { ...who, error: errorMessage(e) });
    }
  }
  return answer(200, click.decision);
}

type GroupsRead =
  { ok: true; members: Map<string, readonly string[]> } | { ok: false; group: string; error: string };

/**
 * The members of the allow-list's groups, read only for a user the list does not name. Fail closed:
 * a user found in a group that could be read is an approver; otherwise an unreadable group refuses
 * the click (503, nothing decided: the approver may click again) rather than answer "not an approver".
 */
async function readGroups(user: string, deps: CallbackDeps): Promise<GroupsRead> {
  const members = new Map<string, readonly string[]>();
  if (deps.approvers.includes(user)) return { ok: true, members };
  let failed: { group: string; error: string } | undefined;
  for (const group of approverGroups(deps.approvers)) {
    try {
      if (!deps.groupMembers) throw new Error('no Slack Web API reader wired');
      const m = await deps.groupMembers(group);
      members.set(group, m);
      if (m.includes(user)) return { ok: true, members };
    } catch (e) {
      failed ??= { group, error: errorMessage(e) };
    }
  }
  return failed ? { ok: false, ...failed } : { ok: true, members };
}
