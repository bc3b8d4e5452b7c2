import { randomUUID } from 'node:crypto';
import { AwsError, validation } from '../errors.ts';
import type { BusEvent, EventSink } from '../types.ts';
import type { SimClock } from '../clock.ts';

/** What every SSM capability module shares: the clock, the event sink, identity and id generation. */
export interface SsmContext {
  clock: SimClock;
  events: EventSink;
  account: string;
  region: string;
  uuid(): string;
  emit(detailType: string, resources: string[], detail: Record<string, unknown>): void;
}

export function createContext(opts: {
  clock: SimClock;
  events: EventSink;
  account: string;
  region: string;
  rng?: () => number;
}): SsmContext {
  const rng = opts.rng;
  const uuid = (): string => {
    if (!rng) return randomUUID();
    const hex = Array.from({ length: 32 }, () => Math.floor(rng() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  };
  const ctx: SsmContext = {
    clock: opts.clock,
    events: opts.events,
    account: opts.account,
    region: opts.region,
    uuid,
    emit(detailType, resources, detail) {
      const event: BusEvent = {
        version: '0',
        id: uuid(),
        'detail-type': detailType,
        source: 'aws.ssm',
        account: opts.account,
        time: isoSeconds(opts.clock.now()),
        region: opts.region,
        resources,
        detail,
      };
      opts.events.emit(event);
    },
  };
  return ctx;
}

/** `2025-03-04T14:23:48Z`: EventBridge envelope time, no fractional seconds. */
export const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** awsJson1.1 timestamps are epoch seconds (fractional allowed). */
export const epoch = (d: Date | undefined): number | undefined =>
  d === undefined ? undefined : d.getTime() / 1000;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Java's `MMM d, yyyy h:mm:ss a` in UTC, as Automation events carry it: `Mar 4, 2025 2:23:31 PM`. */
export function javaDate(d: Date): string {
  const h24 = d.getUTCHours();
  const h12 = h24 % 12 === 0 ? 12 : h24 % 12;
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  const ss = String(d.getUTCSeconds()).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()} ${h12}:${mm}:${ss} ${h24 < 12 ? 'AM' : 'PM'}`;
}

// ---- input readers -------------------------------------------------------------------------------

export function optString(input: Record<string, unknown>, key: string): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw validation(`Value at '${lcFirst(key)}' failed to satisfy constraint: Member must be a string`);
  return v;
}

export function reqString(input: Record<string, unknown>, key: string): string {
  const v = optString(input, key);
  if (v === undefined)
    throw validation(
      `1 validation error detected: Value null at '${lcFirst(key)}' failed to satisfy constraint: Member must not be null`,
    );
  return v;
}

export function optNumber(input: Record<string, unknown>, key: string): number | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw validation(`Value at '${lcFirst(key)}' failed to satisfy constraint: Member must be a number`);
  return v;
}

export function optBool(input: Record<string, unknown>, key: string): boolean | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean')
    throw validation(`Value at '${lcFirst(key)}' failed to satisfy constraint: Member must be a boolean`);
  return v;
}

export function optArray(input: Record<string, unknown>, key: string): unknown[] | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v))
    throw validation(`Value at '${lcFirst(key)}' failed to satisfy constraint: Member must be a list`);
  return v;
}

export function optStringList(input: Record<string, unknown>, key: string): string[] | undefined {
  const arr = optArray(input, key);
  if (!arr) return undefined;
  return arr.map((x) => {
    if (typeof x !== 'string')
      throw validation(
        `Value at '${lcFirst(key)}' failed to satisfy constraint: Member must be a list of strings`,
      );
    return x;
  });
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `map<string, string[]>` as SendCommand / StartAutomationExecution take `Parameters`. */
export function optParamMap(
  input: Record<string, unknown>,
  key: string,
): Record<string, string[]> | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v))
    throw validation(`Value at '${lcFirst(key)}' failed to satisfy constraint: Member must be a map`);
  const out: Record<string, string[]> = {};
  for (const [k, vals] of Object.entries(v)) {
    if (!Array.isArray(vals) || vals.some((x) => typeof x !== 'string'))
      throw validation(
        `Value at '${lcFirst(key)}.${k}' failed to satisfy constraint: Member must be a list of strings`,
      );
    out[k] = vals as string[];
  }
  return out;
}

/** `[{Key, Values}]` filters (SSM spells them Key/Values in the new-style APIs). */
export function optFilters(
  input: Record<string, unknown>,
  key: string,
  keyField = 'Key',
  valuesField = 'Values',
): { key: string; values: string[] }[] | undefined {
  const arr = optArray(input, key);
  if (!arr) return undefined;
  return arr.map((f) => {
    if (!isRecord(f))
      throw validation(
        `Value at '${lcFirst(key)}' failed to satisfy constraint: Member must be a list of filters`,
      );
    const k = f[keyField];
    const vals = f[valuesField] ?? [];
    if (typeof k !== 'string')
      throw validation(
        `Value null at '${lcFirst(key)}.member.${lcFirst(keyField)}' failed to satisfy constraint: Member must not be null`,
      );
    if (!Array.isArray(vals) || vals.some((x) => typeof x !== 'string'))
      throw validation(
        `Value at '${lcFirst(key)}.member.${lcFirst(valuesField)}' failed to satisfy constraint: Member must be a list of strings`,
      );
    return { key: k, values: vals as string[] };
  });
}

export function checkMaxResults(value: number | undefined, min: number, max: number, dflt: number): number {
  if (value === undefined) return dflt;
  if (!Number.isInteger(value) || value < min || value > max)
    throw validation(
      `1 validation error detected: Value '${value}' at 'maxResults' failed to satisfy constraint: Member must have value ${value < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`}`,
    );
  return value;
}

const lcFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

// ---- paging --------------------------------------------------------------------------------------

/**
 * Opaque NextTokens. A token is a random id bound to (operation, query fingerprint, offset); anything
 * else, or a token used for a different query, is `InvalidNextToken`.
 */
export class Pager {
  private readonly tokens = new Map<string, { scope: string; offset: number }>();
  constructor(private readonly uuid: () => string) {}

  page<T>(
    items: T[],
    scope: string,
    maxResults: number,
    nextToken: string | undefined,
  ): { items: T[]; next?: string } {
    let offset = 0;
    if (nextToken !== undefined && nextToken !== '') {
      const t = this.tokens.get(nextToken);
      if (!t || t.scope !== scope) throw new AwsError('InvalidNextToken', "The specified token isn't valid.");
      offset = t.offset;
    }
    const slice = items.slice(offset, offset + maxResults);
    const end = offset + slice.length;
    if (end >= items.length) return { items: slice };
    const token = Buffer.from(`${this.uuid()}:${end}`).toString('base64');
    this.tokens.set(token, { scope, offset: end });
    return { items: slice, next: token };
  }
}

// ---- misc ----------------------------------------------------------------------------------------

export const UUID_RE = /^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$/;
export const INSTANCE_ID_RE = /^i-(\w{8}|\w{17})$|^mi-\w{17}$/;

/** `MaxConcurrency` / `MaxErrors` values: a count or a percentage of `total`. */
export function resolveRate(spec: string, total: number, kind: 'concurrency' | 'errors'): number {
  if (spec.endsWith('%')) {
    const pct = Number(spec.slice(0, -1));
    const n = (pct * total) / 100;
    return kind === 'concurrency' ? Math.max(1, Math.ceil(n)) : Math.floor(n);
  }
  return Number(spec);
}

export const MAX_CONCURRENCY_RE = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/;
export const MAX_ERRORS_RE = /^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/;

/** Stable fingerprint of a JSON-ish value (object keys sorted). */
export function fingerprint(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(fingerprint).join(',')}]`;
  if (isRecord(v))
    return `{${Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${fingerprint(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'undefined';
}

/**
 * Schedule `fn` after `simMs` even when that is far away: a real-time clock's setTimeout overflows
 * past ~24.8 days, so long waits are chained in chunks.
 */
export function scheduleAt(clock: SimClock, atMs: number, fn: () => void): () => void {
  let cancel: () => void = () => undefined;
  let cancelled = false;
  const maxChunk = 2_000_000_000 * Math.max(clock.speed, 1e-9);
  const arm = (): void => {
    if (cancelled) return;
    const wait = atMs - clock.now().getTime();
    if (wait > maxChunk) cancel = clock.after(maxChunk, arm);
    else cancel = clock.after(Math.max(0, wait), fn);
  };
  arm();
  return () => {
    cancelled = true;
    cancel();
  };
}

/** Outcome rules (scenarios, tests) match a call's parameters by value or by pattern. */
export function parametersMatch(
  params: Record<string, string[] | undefined>,
  match: Record<string, string | RegExp> | undefined,
): boolean {
  return Object.entries(match ?? {}).every(([k, want]) => {
    const got = params[k]?.[0];
    if (got === undefined) return false;
    return typeof want === 'string' ? got === want : want.test(got);
  });
}

/** The rule at `idx`, spending one of its `times` (a rule whose times run out is removed). */
export function takeRule<R extends { times?: number }>(rules: R[], idx: number): R | undefined {
  const rule = rules[idx];
  if (rule?.times !== undefined) {
    rule.times -= 1;
    if (rule.times <= 0) rules.splice(idx, 1);
  }
  return rule;
}
