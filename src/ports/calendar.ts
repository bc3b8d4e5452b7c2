/**
 * Change Calendar state (SSM).
 */
import type { CalendarFact } from '../model/types.ts';

export interface CalendarPort {
  /** Combined state of the calendars (OPEN only if all are open). */
  state(calendars: string[]): Promise<Omit<CalendarFact, 'calendars'>>;
}
