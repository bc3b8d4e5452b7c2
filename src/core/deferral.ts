/**
 * Deferred and held work as the ledger keeps it (src/core/hold.ts): the calendars a deferral waits on
 * and its age. The `Calendar State Change` event and the kept finding's schema are in src/events/
 * (calendar.ts, stored-finding.ts); releasing held work is src/core/held-release.ts; the sweep that
 * runs it, src/core/reconcile.ts.
 */
import type { StoredDeferral } from '../ports/ledger-store.ts';

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
