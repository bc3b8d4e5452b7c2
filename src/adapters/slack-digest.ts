/**
 * Block Kit for what the notify-slack function posts: a lone outcome as the message the results topic
 * carried (the same layout as before, `slackMessage`), a group as one digest (src/core/digest.ts).
 */
import type { Digest, OutcomeMessage, SlackPost } from '../core/digest.ts';
import type { Outcome } from '../model/types.ts';
import type { Notification } from '../ports/index.ts';
import { escapeMrkdwn, slackMessage } from './notifier-slack.ts';
import { isApprovalRequest, slackApprovalMessage } from './slack-approval.ts';

const opt = (v: string | null | undefined): string | undefined => v ?? undefined;

/** The results topic's message back into the notification it was made from (what Slack shows of it). */
export function notificationFromMessage(m: OutcomeMessage): Notification {
  const outcome = {
    eventId: m.eventId,
    outcome: m.outcome,
    reason: m.reason,
    code: opt(m.code),
    remediation: opt(m.remediation),
    resourceType: opt(m.resource.type),
    resourceId: opt(m.resource.id),
    account: opt(m.account),
    region: opt(m.region),
    mode: opt(m.mode),
    executionId: opt(m.executionId),
    nextTransitionTime: opt(m.nextTransitionTime),
    ...(m.requestedBy ? { requestedBy: m.requestedBy } : {}),
    ...(m.origin ? { origin: m.origin } : {}),
    ...(m.approvedBy ? { approvedBy: m.approvedBy } : {}),
    ...(m.approvalId ? { approvalId: m.approvalId } : {}),
    actions: [],
    at: m.at,
  } as Outcome;
  const n: Notification = { outcome, title: m.title };
  if (m.consoleUrl) n.consoleUrl = m.consoleUrl;
  if (m.outcomes)
    n.outcomes = m.outcomes.map(
      (x) =>
        ({
          ...outcome,
          resourceId: opt(x.resourceId),
          outcome: x.outcome,
          code: opt(x.code),
          reason: x.reason,
          executionId: opt(x.executionId),
        }) as Outcome,
    );
  return n;
}

/** One digest: counts by outcome, the first resources, and the command line that lists the rest. */
export function slackDigestMessage(d: Digest): { text: string; blocks: unknown[] } {
  const e = escapeMrkdwn;
  const counts = Object.entries(d.counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  const name = d.remediation ?? 'ssm-remediator';
  const lines = d.first.map(
    (l) => `• \`${e(l.resourceId ?? '—')}\` ${e(l.outcome)}${l.code ? ` (${e(l.code)})` : ''}`,
  );
  if (d.more > 0) lines.push(`…and ${d.more} more`);
  const blocks: unknown[] = [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `:bar_chart: *${e(name)}*: ${d.total} outcomes · ${e(counts)}` },
    },
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `All of them: \`${e(d.history)}\` · ${e(d.account ?? '—')} / ${e(d.region ?? '—')} · ${e(d.from)} – ${e(d.to)}`,
        },
      ],
    },
  ];
  return { text: `digest: ${name}: ${counts} (${d.total} outcomes)`, blocks };
}

export function slackPayload(p: SlackPost): { text: string; blocks: unknown[] } {
  if (p.kind === 'digest') return slackDigestMessage(p.digest);
  if (isApprovalRequest(p.message)) return slackApprovalMessage(p.message);
  return slackMessage(notificationFromMessage(p.message));
}
