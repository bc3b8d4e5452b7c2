import ICAL from 'ical.js';
import { AwsError, validation } from '../errors.ts';
import type { Operation } from '../types.ts';
import type { DocumentStore, SsmDocument } from './documents.ts';
import type { SsmContext } from './util.ts';
import { isoSeconds, optString, optStringList, scheduleAt } from './util.ts';

type IcalTime = InstanceType<typeof ICAL.Time>;
type IcalTimezone = InstanceType<typeof ICAL.Timezone>;
type IcalEvent = InstanceType<typeof ICAL.Event>;

export type CalendarType = 'DEFAULT_OPEN' | 'DEFAULT_CLOSED';
export type CalendarStateName = 'OPEN' | 'CLOSED';

/** How far ahead GetCalendarState looks for the next transition. */
const HORIZON_MS = 2 * 366 * 86_400_000;
const MAX_OCCURRENCES_PER_EVENT = 100_000;

interface ParsedCalendar {
  type: CalendarType;
  events: { ev: IcalEvent; startTz?: string; endTz?: string }[];
  zones: Map<string, IcalTimezone>;
  /** X-WR-TIMEZONE: the zone for floating times (UTC when absent). */
  defaultTz?: string;
}

export function parseCalendar(text: string): ParsedCalendar {
  const comp = new ICAL.Component(ICAL.parse(text));
  if (comp.name !== 'vcalendar') throw new Error('The content is not a VCALENDAR.');
  const typeRaw = comp.getFirstPropertyValue('x-calendar-type');
  const type = typeRaw === null || typeRaw === undefined ? 'DEFAULT_OPEN' : String(typeRaw);
  if (type !== 'DEFAULT_OPEN' && type !== 'DEFAULT_CLOSED')
    throw new Error(`Unsupported X-CALENDAR-TYPE ${type}.`);
  const zones = new Map<string, IcalTimezone>();
  for (const tz of comp.getAllSubcomponents('vtimezone')) {
    const zone = new ICAL.Timezone(tz);
    zones.set(zone.tzid, zone);
  }
  const wr = comp.getFirstPropertyValue('x-wr-timezone');
  const defaultTz = typeof wr === 'string' && wr !== '' ? wr : undefined;
  const tzOf = (v: InstanceType<typeof ICAL.Component>, prop: string): string | undefined => {
    const p = v.getFirstProperty(prop)?.getParameter('tzid');
    return typeof p === 'string' && p !== '' ? p : undefined;
  };
  const events = comp.getAllSubcomponents('vevent').map((v) => {
    const startTz = tzOf(v, 'dtstart');
    return { ev: new ICAL.Event(v), startTz, endTz: tzOf(v, 'dtend') ?? startTz };
  });
  for (const { ev, startTz, endTz } of events) {
    if (!ev.startDate) throw new Error(`VEVENT ${ev.uid ?? ''} has no DTSTART.`);
    for (const tzid of [startTz, endTz]) {
      if (tzid && !zones.has(tzid) && !isIanaZone(tzid)) throw new Error(`Unknown TZID ${tzid}.`);
    }
  }
  if (defaultTz && !isIanaZone(defaultTz)) throw new Error(`Unknown X-WR-TIMEZONE ${defaultTz}.`);
  return { type, events, zones, defaultTz };
}

// ---- time-zone arithmetic (ical.js has no zone database; Intl has one) -----------------------------

const dtfCache = new Map<string, Intl.DateTimeFormat>();
function isIanaZone(tz: string): boolean {
  try {
    zoneFormat(tz);
    return true;
  } catch {
    return false;
  }
}
function zoneFormat(tz: string): Intl.DateTimeFormat {
  let f = dtfCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    dtfCache.set(tz, f);
  }
  return f;
}
function zoneOffsetMs(utcMs: number, tz: string): number {
  const parts: Record<string, number> = {};
  for (const p of zoneFormat(tz).formatToParts(new Date(utcMs)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}
/** Wall-clock time in `tz` → epoch ms. */
function wallToUtc(t: IcalTime, tz: string): number {
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  let guess = wall - zoneOffsetMs(wall, tz);
  guess = wall - zoneOffsetMs(guess, tz);
  return guess;
}

function toMs(t: IcalTime, tzid: string | undefined, cal: ParsedCalendar): number {
  if (t.zone === ICAL.Timezone.utcTimezone) return t.toUnixTime() * 1000;
  const zoneName = tzid ?? cal.defaultTz;
  const vtz = zoneName ? cal.zones.get(zoneName) : undefined;
  if (vtz) {
    const c = t.clone();
    c.zone = vtz;
    return c.toUnixTime() * 1000;
  }
  if (zoneName) return wallToUtc(t, zoneName);
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
}

// ---- evaluation -----------------------------------------------------------------------------------

/** Merged [start, end) intervals (epoch ms) of event occurrences that end after `from` and start before `to`. */
function eventIntervals(cal: ParsedCalendar, from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  for (const { ev, startTz, endTz } of cal.events) {
    const push = (s: IcalTime, e: IcalTime): boolean => {
      const sMs = toMs(s, startTz, cal);
      if (sMs >= to) return false;
      const eMs = toMs(e, endTz, cal);
      if (eMs > from && eMs > sMs) out.push([sMs, eMs]);
      return true;
    };
    if (!ev.isRecurring()) {
      push(ev.startDate, ev.endDate);
      continue;
    }
    const it = ev.iterator();
    for (let i = 0; i < MAX_OCCURRENCES_PER_EVENT; i++) {
      const next = it.next();
      if (!next) break;
      const d = ev.getOccurrenceDetails(next);
      if (!push(d.startDate, d.endDate)) break;
    }
  }
  out.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const iv of out) {
    const last = merged[merged.length - 1];
    if (last && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
    else merged.push([iv[0], iv[1]]);
  }
  return merged;
}

/** A calendar's OPEN/CLOSED timeline over [from, from + horizon). */
export class CalendarTimeline {
  private readonly intervals: [number, number][];
  constructor(
    private readonly cal: ParsedCalendar,
    readonly from: number,
    readonly to: number = from + HORIZON_MS,
  ) {
    this.intervals = eventIntervals(cal, from, to);
  }

  openAt(t: number): boolean {
    const inEvent = this.intervals.some(([s, e]) => s <= t && t < e);
    return this.cal.type === 'DEFAULT_OPEN' ? !inEvent : inEvent;
  }

  /** Times in (after, to) where this calendar's state may flip. */
  boundaries(after: number): number[] {
    const out: number[] = [];
    for (const [s, e] of this.intervals) {
      if (s > after && s < this.to) out.push(s);
      if (e > after && e < this.to) out.push(e);
    }
    return out;
  }
}

export interface CombinedState {
  state: CalendarStateName;
  atTime: Date;
  nextTransitionTime?: Date;
}

/** AND across calendars: OPEN only if every calendar is open; next time that combined state flips. */
export function combinedState(timelines: CalendarTimeline[], at: number): CombinedState {
  const openAt = (t: number): boolean => timelines.every((tl) => tl.openAt(t));
  const open = openAt(at);
  const candidates = [...new Set(timelines.flatMap((tl) => tl.boundaries(at)))].sort((a, b) => a - b);
  const next = candidates.find((t) => openAt(t) !== open);
  return {
    state: open ? 'OPEN' : 'CLOSED',
    atTime: new Date(at),
    nextTransitionTime: next === undefined ? undefined : new Date(next),
  };
}

// ---- building calendars (scenarios, tests) --------------------------------------------------------

export interface CalendarEventSpec {
  start: Date | string;
  end: Date | string;
  summary?: string;
  /** e.g. `FREQ=WEEKLY;BYDAY=FR;COUNT=4` */
  rrule?: string;
  /** IANA zone: start/end are then written as wall-clock times in that zone (`DTSTART;TZID=...`). */
  tzid?: string;
  uid?: string;
}

export interface CalendarSpec {
  type: CalendarType;
  description?: string;
  events?: CalendarEventSpec[];
}

const icsUtc = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');

/** Wall time of `d` in `tz` as iCalendar local form `YYYYMMDDTHHMMSS`. */
function icsLocal(d: Date, tz: string): string {
  const local = new Date(d.getTime() + zoneOffsetMs(d.getTime(), tz));
  return icsUtc(local).replace(/Z$/, '');
}

/** iCalendar text for an AWS Change Calendar (CRLF, `X-CALENDAR-TYPE`). */
export function buildCalendar(spec: CalendarSpec): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'PRODID:-//AWS//Change Calendar 1.0//EN',
    'VERSION:2.0',
    `X-CALENDAR-TYPE:${spec.type}`,
    `X-WR-CALDESC:${spec.description ?? ''}`,
  ];
  (spec.events ?? []).forEach((e, i) => {
    const start = new Date(e.start);
    const end = new Date(e.end);
    lines.push('BEGIN:VEVENT', `UID:${e.uid ?? `sandbox-event-${i + 1}`}`, `DTSTAMP:${icsUtc(start)}`);
    if (e.tzid) {
      lines.push(
        `DTSTART;TZID=${e.tzid}:${icsLocal(start, e.tzid)}`,
        `DTEND;TZID=${e.tzid}:${icsLocal(end, e.tzid)}`,
      );
    } else {
      lines.push(`DTSTART:${icsUtc(start)}`, `DTEND:${icsUtc(end)}`);
    }
    if (e.rrule) lines.push(`RRULE:${e.rrule}`);
    lines.push(`SUMMARY:${e.summary ?? 'Change freeze'}`, 'END:VEVENT');
  });
  lines.push('END:VCALENDAR');
  return lines.join('\r\n') + '\r\n';
}

// ---- the service part ----------------------------------------------------------------------------

export class Calendars {
  private readonly watchers = new Map<string, { cancel: () => void; state: CalendarStateName }>();

  constructor(
    private readonly ctx: SsmContext,
    private readonly docs: DocumentStore,
  ) {
    docs.registerContentCheck('ChangeCalendar', (content) => {
      try {
        parseCalendar(content);
        return undefined;
      } catch (e) {
        return `The calendar content isn't valid iCalendar: ${(e as Error).message}`;
      }
    });
    docs.onChange((doc) => {
      if (doc.documentType === 'ChangeCalendar') this.watch(doc);
    });
  }

  /** Create a calendar document from iCalendar text or a spec. */
  add(name: string, content: string | CalendarSpec, owner?: string): SsmDocument {
    const text = typeof content === 'string' ? content : buildCalendar(content);
    return this.docs.put({ name, content: text, type: 'ChangeCalendar', format: 'TEXT', owner });
  }

  /** Replace a calendar's content (new default version); the flip schedule is recomputed. */
  update(name: string, content: string | CalendarSpec): void {
    const doc = this.docs.get(name);
    if (!doc || doc.documentType !== 'ChangeCalendar') throw new Error(`sandbox: no calendar ${name}`);
    this.docs.addVersion(doc, typeof content === 'string' ? content : buildCalendar(content), 'TEXT', true);
  }

  /** Combined state of calendars (names or ARNs) at a time (default now). Throws AWS's errors. */
  state(names: string[], at?: Date): CombinedState {
    const atMs = (at ?? this.ctx.clock.now()).getTime();
    const timelines = names.map((n) => this.timeline(n, atMs));
    return combinedState(timelines, atMs);
  }

  private timeline(nameOrArn: string, atMs: number): CalendarTimeline {
    const doc = this.docs.get(nameOrArn);
    if (!doc) throw new AwsError('InvalidDocument', `The specified SSM document ${nameOrArn} doesn't exist.`);
    if (doc.documentType !== 'ChangeCalendar')
      throw new AwsError(
        'InvalidDocumentType',
        `The SSM document ${nameOrArn} isn't a ChangeCalendar document.`,
      );
    const v = this.docs.version(doc);
    if (!v) throw new AwsError('InvalidDocument', `The specified SSM document ${nameOrArn} doesn't exist.`);
    let cal: ParsedCalendar;
    try {
      cal = parseCalendar(v.content);
    } catch {
      throw new AwsError(
        'UnsupportedCalendarException',
        "The calendar entry contained in the specified SSM document isn't supported.",
      );
    }
    return new CalendarTimeline(cal, atMs);
  }

  /** (Re)arm the `Calendar State Change` timer for one calendar. */
  private watch(doc: SsmDocument): void {
    const prev = this.watchers.get(doc.name);
    prev?.cancel();
    const now = this.ctx.clock.now().getTime();
    const current = this.state([doc.name], new Date(now));
    if (prev && prev.state !== current.state) this.emitFlip(doc, current);
    const entry = { cancel: () => undefined as void, state: current.state };
    this.watchers.set(doc.name, entry);
    const next = current.nextTransitionTime;
    if (!next) return;
    entry.cancel = scheduleAt(this.ctx.clock, next.getTime(), () => {
      if (this.watchers.get(doc.name) !== entry) return;
      const s = this.state([doc.name], next);
      if (s.state !== entry.state) this.emitFlip(doc, s);
      this.watchers.delete(doc.name);
      this.watch(doc);
    });
  }

  private emitFlip(doc: SsmDocument, s: CombinedState): void {
    const detail: Record<string, unknown> = { state: s.state, atTime: isoSeconds(s.atTime) };
    if (s.nextTransitionTime) detail.nextTransitionTime = isoSeconds(s.nextTransitionTime);
    this.ctx.emit('Calendar State Change', [this.docs.arn(doc)], detail);
  }

  operations(): Record<string, Operation> {
    return {
      GetCalendarState: (input) => {
        const names = optStringList(input, 'CalendarNames');
        if (!names || names.length === 0)
          throw validation(
            "1 validation error detected: Value null at 'calendarNames' failed to satisfy constraint: Member must not be null",
          );
        const atRaw = optString(input, 'AtTime');
        let at: Date | undefined;
        if (atRaw !== undefined) {
          at = new Date(atRaw);
          if (Number.isNaN(at.getTime())) throw validation(`AtTime ${atRaw} isn't a valid ISO 8601 date.`);
        }
        const s = this.state(names, at);
        return {
          State: s.state,
          AtTime: isoSeconds(s.atTime),
          NextTransitionTime: s.nextTransitionTime ? isoSeconds(s.nextTransitionTime) : undefined,
        };
      },
    };
  }
}
