/**
 * Slack's interactive callback body: `application/x-www-form-urlencoded` with one field, `payload`,
 * whose value is JSON (https://api.slack.com/reference/interaction-payloads/block-actions). Only
 * `block_actions` from our own Approve / Reject buttons are understood. Pure.
 */
import * as z from '../model/zod.ts';
import { approvalIdSchema } from '../events/approval.ts';
export const APPROVE_ACTION = 'approval-approve';
export const REJECT_ACTION = 'approval-reject';

const blockActions = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().check(z.regex(/^[UW][A-Z0-9]{2,20}$/, 'must be a Slack user id')) }),
  actions: z
    .array(
      z.object({
        action_id: z.enum([APPROVE_ACTION, REJECT_ACTION]),
        value: approvalIdSchema,
      }),
    )
    .check(z.minLength(1)),
  response_url: z.optional(z.url()),
});

export interface ApprovalClick {
  decision: 'approved' | 'rejected';
  approvalId: string;
  /** The Slack user id who clicked. */
  userId: string;
  responseUrl?: string;
}

export class PayloadError extends Error {}

/** The click a callback body carries; throws PayloadError naming what is wrong. */
export function parseApprovalCallback(body: string, isBase64Encoded = false): ApprovalClick {
  const raw = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  const payload = new URLSearchParams(raw).get('payload');
  if (payload === null) throw new PayloadError('no payload field');
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    throw new PayloadError('payload is not JSON');
  }
  const r = blockActions.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new PayloadError(`payload.${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const a = r.data.actions[0]!;
  return {
    decision: a.action_id === APPROVE_ACTION ? 'approved' : 'rejected',
    approvalId: a.value,
    userId: r.data.user.id,
    ...(r.data.response_url ? { responseUrl: r.data.response_url } : {}),
  };
}

/** A callback body as Slack sends it (the sandbox and tests). */
export function approvalCallbackBody(click: ApprovalClick): string {
  const payload = {
    type: 'block_actions',
    user: { id: click.userId },
    actions: [
      {
        action_id: click.decision === 'approved' ? APPROVE_ACTION : REJECT_ACTION,
        value: click.approvalId,
        type: 'button',
      },
    ],
    ...(click.responseUrl ? { response_url: click.responseUrl } : {}),
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
