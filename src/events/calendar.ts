/**
 * `Calendar State Change` (aws.ssm): a change calendar opened or closed. The calendar is only in
 * resources[0]; the reconcile sweep releases work deferred by it when it opens.
 */
import * as z from '../model/zod.ts';

const calendarEvent = z.object({
  source: z.literal('aws.ssm'),
  'detail-type': z.literal('Calendar State Change'),
  resources: z.array(z.string()).check(z.minLength(1)),
  detail: z.object({
    state: z.enum(['OPEN', 'CLOSED']),
    atTime: z.optional(z.string()),
    nextTransitionTime: z.optional(z.string()),
  }),
});

/** The calendar and its new state, if the event is a `Calendar State Change`. */
export function parseCalendarEvent(
  event: unknown,
): { calendarArn: string; state: 'OPEN' | 'CLOSED' } | undefined {
  const r = calendarEvent.safeParse(event);
  return r.success ? { calendarArn: r.data.resources[0]!, state: r.data.detail.state } : undefined;
}
