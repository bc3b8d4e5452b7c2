import { GetCalendarStateCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { CalendarPort } from '../ports/index.ts';

/** SSM Change Calendar state (OPEN only if every calendar is open). Any error propagates: fail closed. */
export function ssmCalendar(ssm: SSMClient): CalendarPort {
  return {
    async state(calendars) {
      const out = await ssm.send(new GetCalendarStateCommand({ CalendarNames: calendars }));
      if (out.State !== 'OPEN' && out.State !== 'CLOSED')
        throw new Error(`unexpected calendar state ${String(out.State)}`);
      return {
        state: out.State,
        ...(out.NextTransitionTime ? { nextTransitionTime: out.NextTransitionTime } : {}),
      };
    },
  };
}
