// Change Calendars: iCalendar evaluation with ical.js, GetCalendarState semantics and the
// `Calendar State Change` events emitted when a calendar flips on the sim clock.
import { beforeEach, describe, expect, test } from 'vitest';
import { createClock, type SimClock } from '../../sandbox/clock.ts';
import { AwsError } from '../../sandbox/errors.ts';
import { buildCalendar, createSsmService, type SsmState } from '../../sandbox/ssm/index.ts';
import type { BusEvent, CallContext, ServiceDef } from '../../sandbox/types.ts';

const START = new Date('2025-03-03T12:00:00Z'); // a Monday
const ctx: CallContext = {
  service: 'ssm',
  operation: 'GetCalendarState',
  account: '123456789012',
  region: 'us-east-1',
};

let clock: SimClock;
let def: ServiceDef;
let state: SsmState;
let events: BusEvent[];

type Out = Record<string, unknown>;
async function getState(input: Record<string, unknown>): Promise<Out> {
  const fn = def.operations.GetCalendarState;
  if (!fn) throw new Error('GetCalendarState missing');
  return (await fn(input, ctx)) as Out;
}
async function getStateError(input: Record<string, unknown>): Promise<AwsError> {
  try {
    await getState(input);
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error('did not fail');
}
const flips = (): BusEvent[] => events.filter((e) => e['detail-type'] === 'Calendar State Change');

beforeEach(() => {
  clock = createClock({ manual: true, start: START });
  events = [];
  ({ def, state } = createSsmService({
    clock,
    events: { emit: (e) => events.push(e) },
    account: '123456789012',
    region: 'us-east-1',
  }));
});

describe('GetCalendarState', () => {
  test('DEFAULT_OPEN is OPEN outside events and CLOSED inside one', async () => {
    state.addFreeze('prod-change-freeze', new Date('2025-03-07T22:00:00Z'), new Date('2025-03-10T06:00:00Z'));
    expect(await getState({ CalendarNames: ['prod-change-freeze'] })).toEqual({
      State: 'OPEN',
      AtTime: '2025-03-03T12:00:00Z',
      NextTransitionTime: '2025-03-07T22:00:00Z',
    });
    expect(await getState({ CalendarNames: ['prod-change-freeze'], AtTime: '2025-03-08T00:00:00Z' })).toEqual(
      {
        State: 'CLOSED',
        AtTime: '2025-03-08T00:00:00Z',
        NextTransitionTime: '2025-03-10T06:00:00Z',
      },
    );
    // After the only event: open for good, no next transition.
    const after = await getState({ CalendarNames: ['prod-change-freeze'], AtTime: '2025-03-11T00:00:00Z' });
    expect(after.State).toBe('OPEN');
    expect(after.NextTransitionTime).toBeUndefined();
  });

  test('DEFAULT_CLOSED is CLOSED except during events; names and ARNs both work', async () => {
    state.addCalendar('maintenance-window', {
      type: 'DEFAULT_CLOSED',
      events: [{ start: '2025-03-04T02:00:00Z', end: '2025-03-04T04:00:00Z', summary: 'Window' }],
    });
    expect((await getState({ CalendarNames: ['maintenance-window'] })).State).toBe('CLOSED');
    const arn = 'arn:aws:ssm:us-east-1:123456789012:document/maintenance-window';
    expect(await getState({ CalendarNames: [arn], AtTime: '2025-03-04T03:00:00Z' })).toMatchObject({
      State: 'OPEN',
      NextTransitionTime: '2025-03-04T04:00:00Z',
    });
  });

  test('a weekly RRULE with a TZID closes every Friday evening New York time', async () => {
    state.addCalendar('weekend-freeze', {
      type: 'DEFAULT_OPEN',
      // Fri 17:00 → Mon 01:00 America/New_York (EST until Mar 9, EDT after)
      events: [
        {
          start: '2025-02-28T22:00:00Z',
          end: '2025-03-03T06:00:00Z',
          rrule: 'FREQ=WEEKLY;BYDAY=FR',
          tzid: 'America/New_York',
        },
      ],
    });
    const content = state.documents.version(state.documents.get('weekend-freeze')!)!.content;
    expect(content).toContain('DTSTART;TZID=America/New_York:20250228T170000');
    expect(content).toContain('RRULE:FREQ=WEEKLY;BYDAY=FR');
    expect(await getState({ CalendarNames: ['weekend-freeze'] })).toMatchObject({
      State: 'OPEN',
      NextTransitionTime: '2025-03-07T22:00:00Z',
    });
    // Second Friday is after the DST switch: 17:00 EDT is 21:00Z.
    expect(
      await getState({ CalendarNames: ['weekend-freeze'], AtTime: '2025-03-12T00:00:00Z' }),
    ).toMatchObject({
      State: 'OPEN',
      NextTransitionTime: '2025-03-14T21:00:00Z',
    });
    expect(
      await getState({ CalendarNames: ['weekend-freeze'], AtTime: '2025-03-15T12:00:00Z' }),
    ).toMatchObject({
      State: 'CLOSED',
      NextTransitionTime: '2025-03-17T05:00:00Z',
    });
  });

  test('raw iCalendar text with UTC times and COUNT is honoured', async () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'PRODID:-//AWS//Change Calendar 1.0//EN',
      'VERSION:2.0',
      'X-CALENDAR-TYPE:DEFAULT_OPEN',
      'BEGIN:VEVENT',
      'UID:daily',
      'DTSTAMP:20250301T000000Z',
      'DTSTART:20250301T230000Z',
      'DTEND:20250302T010000Z',
      'RRULE:FREQ=DAILY;COUNT=4',
      'SUMMARY:nightly batch',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    state.addCalendar('nightly', ics);
    expect(await getState({ CalendarNames: ['nightly'], AtTime: '2025-03-04T00:30:00Z' })).toMatchObject({
      State: 'CLOSED',
      NextTransitionTime: '2025-03-04T01:00:00Z',
    });
    // The 4th occurrence (Mar 4 23:00) is the last; Mar 5 23:00 would be the 5th.
    expect(await getState({ CalendarNames: ['nightly'], AtTime: '2025-03-05T12:00:00Z' })).toMatchObject({
      State: 'OPEN',
    });
    expect(
      (await getState({ CalendarNames: ['nightly'], AtTime: '2025-03-05T12:00:00Z' })).NextTransitionTime,
    ).toBeUndefined();
  });

  test('several calendars are ANDed, and NextTransitionTime is when the combined state flips', async () => {
    state.addFreeze('freeze-a', new Date('2025-03-05T00:00:00Z'), new Date('2025-03-06T00:00:00Z'));
    state.addFreeze('freeze-b', new Date('2025-03-05T12:00:00Z'), new Date('2025-03-07T00:00:00Z'));
    expect(await getState({ CalendarNames: ['freeze-a', 'freeze-b'] })).toMatchObject({
      State: 'OPEN',
      NextTransitionTime: '2025-03-05T00:00:00Z',
    });
    // Inside A only: still CLOSED at A's end because B has started; reopen when B ends.
    expect(
      await getState({ CalendarNames: ['freeze-a', 'freeze-b'], AtTime: '2025-03-05T06:00:00Z' }),
    ).toMatchObject({
      State: 'CLOSED',
      NextTransitionTime: '2025-03-07T00:00:00Z',
    });
    expect((await getState({ CalendarNames: ['freeze-a'], AtTime: '2025-03-06T06:00:00Z' })).State).toBe(
      'OPEN',
    );
    expect(
      (await getState({ CalendarNames: ['freeze-a', 'freeze-b'], AtTime: '2025-03-06T06:00:00Z' })).State,
    ).toBe('CLOSED');
  });

  test('errors: unknown calendar is InvalidDocument, a non-calendar document is InvalidDocumentType', async () => {
    expect((await getStateError({ CalendarNames: ['nope'] })).code).toBe('InvalidDocument');
    expect((await getStateError({ CalendarNames: ['AWS-RunPatchBaseline'] })).code).toBe(
      'InvalidDocumentType',
    );
  });

  test('CreateDocument rejects broken iCalendar content', async () => {
    const fn = def.operations.CreateDocument;
    await expect(
      Promise.resolve().then(() =>
        fn?.(
          {
            Name: 'bad-cal',
            Content: 'not a calendar',
            DocumentType: 'ChangeCalendar',
            DocumentFormat: 'TEXT',
          },
          ctx,
        ),
      ),
    ).rejects.toMatchObject({ code: 'InvalidDocumentContent' });
    const ok = await fn?.(
      {
        Name: 'good-cal',
        Content: buildCalendar({ type: 'DEFAULT_CLOSED' }),
        DocumentType: 'ChangeCalendar',
        DocumentFormat: 'TEXT',
      },
      ctx,
    );
    expect(ok).toMatchObject({
      DocumentDescription: { DocumentType: 'ChangeCalendar', DocumentFormat: 'TEXT' },
    });
  });
});

describe('Calendar State Change events', () => {
  test('a freeze emits CLOSED at its start and OPEN at its end, with the calendar ARN in resources', async () => {
    state.addFreeze('prod-change-freeze', new Date('2025-03-07T22:00:00Z'), new Date('2025-03-10T06:00:00Z'));
    await clock.advance(3 * 86_400_000); // Thu 12:00
    expect(flips()).toHaveLength(0);
    await clock.advance(2 * 86_400_000); // Sat 12:00
    expect(flips()).toHaveLength(1);
    expect(flips()[0]).toMatchObject({
      source: 'aws.ssm',
      'detail-type': 'Calendar State Change',
      time: '2025-03-07T22:00:00Z',
      resources: ['arn:aws:ssm:us-east-1:123456789012:document/prod-change-freeze'],
      detail: { state: 'CLOSED', atTime: '2025-03-07T22:00:00Z', nextTransitionTime: '2025-03-10T06:00:00Z' },
    });
    await clock.advance(3 * 86_400_000);
    expect(flips()).toHaveLength(2);
    expect(flips()[1]?.detail).toEqual({ state: 'OPEN', atTime: '2025-03-10T06:00:00Z' });
  });

  test('updating a calendar reschedules its flips', async () => {
    state.addFreeze('freeze', new Date('2025-03-07T22:00:00Z'), new Date('2025-03-10T06:00:00Z'));
    state.updateCalendar('freeze', {
      type: 'DEFAULT_OPEN',
      events: [{ start: '2025-03-04T00:00:00Z', end: '2025-03-04T01:00:00Z' }],
    });
    await clock.advance(10 * 86_400_000);
    expect(flips().map((e) => [e.detail.state, e.detail.atTime])).toEqual([
      ['CLOSED', '2025-03-04T00:00:00Z'],
      ['OPEN', '2025-03-04T01:00:00Z'],
    ]);
  });
});
