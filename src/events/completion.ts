/**
 * Completion events: `EC2 Automation Execution Status-change Notification` and `EC2 Command
 * Status-change Notification`, as the signal completion closes an execution with.
 */
import * as z from '../model/zod.ts';

export interface CompletionSignal {
  kind: 'automation' | 'command';
  executionId: string;
  status: string;
  document?: string;
  /** The completion event's id (for logs); absent for a reconcile poll. */
  eventId?: string;
}

const automationEvent = z.object({
  source: z.literal('aws.ssm'),
  'detail-type': z.literal('EC2 Automation Execution Status-change Notification'),
  id: z.optional(z.string()),
  detail: z.object({
    ExecutionId: z.string().check(z.minLength(1), z.maxLength(64)),
    Status: z.string().check(z.minLength(1)),
    Definition: z.optional(z.string()),
  }),
});

const commandEvent = z.object({
  source: z.literal('aws.ssm'),
  'detail-type': z.literal('EC2 Command Status-change Notification'),
  id: z.optional(z.string()),
  detail: z.object({
    'command-id': z.string().check(z.minLength(1), z.maxLength(64)),
    status: z.string().check(z.minLength(1)),
    'document-name': z.optional(z.string()),
  }),
});

/** The completion an event reports, or undefined if it is not a completion event of either kind. */
export function parseCompletion(event: unknown): CompletionSignal | undefined {
  const a = automationEvent.safeParse(event);
  if (a.success) {
    const d = a.data.detail;
    return {
      kind: 'automation',
      executionId: d.ExecutionId,
      status: d.Status,
      ...(d.Definition ? { document: d.Definition } : {}),
      ...(a.data.id ? { eventId: a.data.id } : {}),
    };
  }
  const c = commandEvent.safeParse(event);
  if (c.success) {
    const d = c.data.detail;
    return {
      kind: 'command',
      executionId: d['command-id'],
      status: d.status,
      ...(d['document-name'] ? { document: d['document-name'] } : {}),
      ...(c.data.id ? { eventId: c.data.id } : {}),
    };
  }
  return undefined;
}
