/**
 * Deferred and held work as the ledger keeps it (src/core/hold.ts): a `Calendar State Change` event
 * and the calendars a deferral waits on, its age, and the finding it keeps (validated again before
 * it is replayed). Releasing held work is src/core/held-release.ts; the sweep that runs it,
 * src/core/reconcile.ts.
 */
import * as z from 'zod';
import type { StoredDeferral } from '../ports/ledger-store.ts';
import { TRIGGER_FAMILIES, type Finding } from './types.ts';
import { typedFinding } from './finding.ts';

const calendarEvent = z.object({
  source: z.literal('aws.ssm'),
  'detail-type': z.literal('Calendar State Change'),
  resources: z.array(z.string()).min(1),
  detail: z.object({
    state: z.enum(['OPEN', 'CLOSED']),
    atTime: z.string().optional(),
    nextTransitionTime: z.string().optional(),
  }),
});

/** The calendar and its new state, if the event is a `Calendar State Change`. */
export function parseCalendarEvent(
  event: unknown,
): { calendarArn: string; state: 'OPEN' | 'CLOSED' } | undefined {
  const r = calendarEvent.safeParse(event);
  return r.success ? { calendarArn: r.data.resources[0]!, state: r.data.detail.state } : undefined;
}

/** The document name of a calendar ARN (`arn:aws:ssm:r:a:document/Name` → `Name`), or the name itself. */
export function calendarName(ref: string): string {
  const i = ref.indexOf(':document/');
  return i >= 0 ? ref.slice(i + ':document/'.length) : ref;
}

/** Whether a deferral waits on this calendar (deferrals name calendars by name or by ARN). */
export function waitsOn(calendars: string[], calendarArn: string): boolean {
  const name = calendarName(calendarArn);
  return calendars.some((c) => c === calendarArn || calendarName(c) === name);
}

export function deferralExpired(
  d: Pick<StoredDeferral, 'deferredAt'>,
  now: Date,
  maxAgeHours: number,
): boolean {
  return now.getTime() - Date.parse(d.deferredAt) > maxAgeHours * 3_600_000;
}

const storedFinding = z.object({
  family: z.enum(TRIGGER_FAMILIES),
  eventId: z.string().min(1),
  account: z.string(),
  region: z.string(),
  resourceType: z.string().min(1),
  resourceId: z.string().min(1),
  rule: z.string().optional(),
  orderingTime: z.string().min(1),
  time: z.string().min(1),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.undefined()])),
});

/** The finding a deferral keeps, validated again before it is replayed (typed detail: src/core/finding.ts). */
export function revivedFinding(d: StoredDeferral): Finding {
  return typedFinding(storedFinding.parse(d.finding));
}
