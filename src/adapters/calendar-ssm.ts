import { GetCalendarStateCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { CalendarPort } from '../ports/index.ts';
import { systemClock } from './system-clock.ts';

type State = Awaited<ReturnType<CalendarPort['state']>>;

/**
 * SSM Change Calendar state (OPEN only if every calendar is open). Any error propagates: fail closed.
 *
 * A state read is reused in this container for up to `cacheSeconds` (default 0: every call reads), and
 * never past the NextTransitionTime SSM returned with it, so a scheduled freeze or window is seen on
 * time; only an edit to a calendar's events can go unseen, for at most `cacheSeconds` (as the switches'
 * cache lets the kill switch lag). A failed read is never kept.
 */
export function ssmCalendar(
  ssm: SSMClient,
  opts: { cacheSeconds?: number; now?: () => number } = {},
): CalendarPort {
  const cacheMs = (opts.cacheSeconds ?? 0) * 1000;
  const now = opts.now ?? (() => systemClock.now().getTime());
  const cache = new Map<string, { until: number; value: Promise<State> }>();

  async function read(calendars: string[]): Promise<State> {
    const out = await ssm.send(new GetCalendarStateCommand({ CalendarNames: calendars }));
    if (out.State !== 'OPEN' && out.State !== 'CLOSED')
      throw new Error(`unexpected calendar state ${String(out.State)}`);
    return {
      state: out.State,
      ...(out.NextTransitionTime ? { nextTransitionTime: out.NextTransitionTime } : {}),
    };
  }

  return {
    state(calendars) {
      if (cacheMs <= 0) return read(calendars);
      const key = JSON.stringify(calendars);
      const t = now();
      const hit = cache.get(key);
      if (hit && t < hit.until) return hit.value;
      const value = read(calendars);
      const entry = { until: t + cacheMs, value };
      cache.set(key, entry);
      value.then(
        (s) => {
          const next = s.nextTransitionTime ? Date.parse(s.nextTransitionTime) : NaN;
          if (!Number.isNaN(next)) entry.until = Math.min(entry.until, next);
        },
        () => cache.delete(key),
      );
      return value;
    },
  };
}
