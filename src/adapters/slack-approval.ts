/**
 * The Slack message of an approval request (docs/approvals.md): the finding, the plan (each SSM call
 * with its document and parameters), why, the deadline, and the Approve / Reject buttons whose
 * `value` is the approval id (what Slack's interactive callback sends back, signed).
 */
import { APPROVE_ACTION, REJECT_ACTION } from '../core/approval-payload.ts';
import type { OutcomeMessage } from '../core/digest.ts';
import { escapeMrkdwn } from './notifier-slack.ts';

export const isApprovalRequest = (m: OutcomeMessage) => m.code === 'approval' && !!m.approvalId;

export function slackApprovalMessage(m: OutcomeMessage): { text: string; blocks: unknown[] } {
  const e = (s: string | null | undefined) => escapeMrkdwn(s ?? '—');
  const id = m.approvalId!;
  const plan = (m.plan ?? []).map((p) => {
    const params = Object.entries(p.parameters)
      .map(([k, v]) => `${e(k)}=\`${e(v)}\``)
      .join(' ');
    const where = p.instances !== undefined ? ` on ${p.instances} instance(s)` : '';
    return `• ${p.kind === 'sendCommand' ? 'Run Command' : 'Automation'} *${e(p.document)}*${where} ${params}`;
  });
  const title = `Approve ${m.remediation ?? 'remediation'} on ${m.resource.id ?? '?'}?`;
  return {
    text: `${title} (${id})`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `:raised_hand: *Approval needed* · ${e(title)}` } },
      {
        type: 'section',
        fields: [
          `*Resource*\n\`${e(m.resource.id)}\` (${e(m.resource.type)})`,
          `*Remediation*\n${e(m.remediation)} (approve)`,
          `*Account / Region*\n${e(m.account)} / ${e(m.region)}`,
          `*Approval*\n\`${e(id)}\``,
        ].map((text) => ({ type: 'mrkdwn', text })),
      },
      { type: 'section', text: { type: 'mrkdwn', text: `*Plan*\n${plan.join('\n') || '—'}` } },
      { type: 'section', text: { type: 'mrkdwn', text: `*Why:* ${e(m.reason)}` } },
      {
        type: 'actions',
        block_id: `approval:${id}`,
        elements: [
          {
            type: 'button',
            action_id: APPROVE_ACTION,
            style: 'primary',
            text: { type: 'plain_text', text: 'Approve' },
            value: id,
          },
          {
            type: 'button',
            action_id: REJECT_ACTION,
            style: 'danger',
            text: { type: 'plain_text', text: 'Reject' },
            value: id,
          },
        ],
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `Or: \`remediator approve ${id}\` / \`remediator reject ${id}\` · gates are read again before acting`,
          },
        ],
      },
    ],
  };
}
