/**
 * Simulated EventBridge (`AWSEvents`): PutEvents turns entries into full bus events and hands them to an
 * EventSink; TestEventPattern uses the sandbox's pattern matcher; ListRules, DescribeRule and
 * ListTargetsByRule show the rules deployed on the bus (read-only: rules come from the template). A
 * fault rule on 'events:PutEvents' with `itemFailureRate` makes some entries fail with InternalFailure
 * (to test callers' retry of failed entries).
 *
 * Custom buses: an entry's EventBusName (a name or an ARN) picks the bus; the bus's resource policy is
 * evaluated for the caller (identified by its access key, ../identities.ts) with ../eventbridge/bus-policy.ts,
 * and a caller it refuses gets AccessDeniedException for the whole request, as from AWS.
 */
import { randomUUID } from 'node:crypto';
import { AwsError, validation } from '../errors.ts';
import { createClock, type SimClock } from '../clock.ts';
import { InvalidPatternError, matches, validatePattern } from '../eventbridge/pattern.ts';
import type { BusRule, BusTarget } from '../bus.ts';
import { evaluateBusPolicy, type PolicyDocument } from '../eventbridge/bus-policy.ts';
import { createIdentities, type Identities } from '../identities.ts';
import type { BusEvent, CallContext, EventSink, Operation, ServiceDef } from '../types.ts';
import { fromEpochSeconds } from '../wire/json.ts';
import {
  decodeToken,
  encodeToken,
  isRecord,
  notNull,
  objectList,
  optionalNumber,
  optionalString,
  requiredString,
} from './input.ts';

export const MAX_PUT_EVENTS_ENTRIES = 10;
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;

export interface PutEventRecord {
  eventBusName: string;
  event: BusEvent;
}

export interface EventBridgeService extends ServiceDef {
  /** Every event accepted by PutEvents, oldest first. */
  events(): PutEventRecord[];
  clear(): void;
}

export interface EventBridgeOptions {
  sink?: EventSink;
  clock?: SimClock;
  account?: string;
  region?: string;
  /** Event ids (default random); the sandbox account passes a seeded generator so runs repeat. */
  ids?: () => string;
  /** Custom buses that exist besides 'default' (a list, or a function read on every call). */
  buses?: string[] | (() => string[]);
  /** A bus's resource policy (undefined: none). */
  busPolicy?: (name: string) => unknown;
  /** Callers by access key (default: every key is an ordinary principal of the account). */
  identities?: Identities;
  /** Where an accepted event goes when it names its bus (default: `sink.emit`, whatever the bus). */
  putOn?: (event: BusEvent, eventBusName: string) => void;
  /**
   * Accept `aws.*` sources (AWS answers NotAuthorizedForSourceException). The sandbox account turns this on
   * so an operator can play AWS Config or SSM with `remediator send` / `aws events put-events`.
   */
  allowAwsSources?: boolean;
  /** The rules on the default bus (the sandbox account's deployed rules), for ListRules and friends. */
  rules?: () => BusRule[];
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

const entryError = (ErrorCode: string, ErrorMessage: string): EntryResult => ({ ErrorCode, ErrorMessage });

/** PutEvents entry size as AWS documents it: Time (14 bytes), Source, DetailType, Detail, Resources. */
export function entrySize(entry: Record<string, unknown>): number {
  let size = entry['Time'] !== undefined ? 14 : 0;
  for (const key of ['Source', 'DetailType', 'Detail']) {
    const v = entry[key];
    if (typeof v === 'string') size += Buffer.byteLength(v);
  }
  const resources = entry['Resources'];
  if (Array.isArray(resources))
    for (const r of resources) if (typeof r === 'string') size += Buffer.byteLength(r);
  return size;
}

const missing = (field: string): EntryResult =>
  entryError('InvalidArgument', `Parameter ${field} is not valid. Reason: ${field} is a required argument.`);

function parseDetail(detail: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(detail);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function readEntries(input: Record<string, unknown>): Array<Record<string, unknown>> {
  const entries = objectList(input, 'Entries');
  if (!entries) throw notNull('Entries');
  if (entries.length < 1 || entries.length > MAX_PUT_EVENTS_ENTRIES) {
    throw validation(
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PUT_EVENTS_ENTRIES} and greater than or equal to 1`,
    );
  }
  const total = entries.reduce((sum, e) => sum + entrySize(e), 0);
  if (total > MAX_PUT_EVENTS_BYTES)
    throw validation('Total size of the entries in the request is over the limit.');
  return entries;
}

const MAX_LIST_LIMIT = 100;

/** One page of `items` from NextToken, `Limit` long (1..100, default 100), and the next token if any. */
function page<T>(items: T[], input: Record<string, unknown>): { items: T[]; NextToken?: string } {
  const limit = optionalNumber(input, 'Limit') ?? MAX_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw validation(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_LIST_LIMIT}`}`,
    );
  }
  const offset = decodeToken(optionalString(input, 'NextToken'), 'ValidationException');
  const end = offset + limit;
  return { items: items.slice(offset, end), ...(end < items.length ? { NextToken: encodeToken(end) } : {}) };
}

/** A rule as ListRules and DescribeRule show it (only the fields that are set). */
function wireRule(r: BusRule, bus: string): Record<string, unknown> {
  return {
    Name: r.name,
    Arn: r.arn,
    ...(r.eventPattern !== undefined ? { EventPattern: JSON.stringify(r.eventPattern) } : {}),
    ...(r.scheduleExpression !== undefined ? { ScheduleExpression: r.scheduleExpression } : {}),
    State: r.enabled ? 'ENABLED' : 'DISABLED',
    EventBusName: bus,
  };
}

function wireTarget(t: BusTarget): Record<string, unknown> {
  return {
    Id: t.id,
    Arn: t.arn,
    ...(t.input !== undefined ? { Input: t.input } : {}),
    ...(t.inputPath !== undefined ? { InputPath: t.inputPath } : {}),
    ...(t.inputTransformer ? { InputTransformer: t.inputTransformer } : {}),
    ...(t.retryPolicy ? { RetryPolicy: t.retryPolicy } : {}),
    ...(t.deadLetterArn !== undefined ? { DeadLetterConfig: { Arn: t.deadLetterArn } } : {}),
  };
}

const REQUIRED_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'resources', 'detail-type'];

export function createEventBridgeService(opts: EventBridgeOptions = {}): EventBridgeService {
  const clock = opts.clock ?? createClock();
  const busList = (): Set<string> =>
    new Set(['default', ...(typeof opts.buses === 'function' ? opts.buses() : (opts.buses ?? []))]);
  const identities = opts.identities ?? createIdentities(opts.account ?? '000000000000');
  const accepted: PutEventRecord[] = [];

  const busName = (entry: Record<string, unknown>): string => {
    const name = typeof entry['EventBusName'] === 'string' ? entry['EventBusName'] : 'default';
    return name.startsWith('arn:') ? (name.split('/').pop() ?? name) : name;
  };

  const putEntry = (entry: Record<string, unknown>, ctx: CallContext): EntryResult => {
    if (ctx.faults?.itemFails(ctx.service, ctx.operation))
      return entryError('InternalFailure', 'Internal service error.');
    const { Source: source, DetailType: detailType, Detail: detail } = entry;
    if (typeof source !== 'string' || source === '') return missing('Source');
    if (typeof detailType !== 'string' || detailType === '') return missing('DetailType');
    if (typeof detail !== 'string' || detail === '') return missing('Detail');
    const parsed = parseDetail(detail);
    if (!parsed) return entryError('MalformedDetail', 'Detail is malformed.');
    if (source.startsWith('aws.') && !opts.allowAwsSources)
      return entryError('NotAuthorizedForSourceException', 'Not authorized for the source.');
    const bus = busName(entry);
    if (!busList().has(bus))
      return entryError('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
    const time = fromEpochSeconds(entry['Time']) ?? clock.now();
    const resources = Array.isArray(entry['Resources'])
      ? entry['Resources'].filter((r) => typeof r === 'string')
      : [];
    const event: BusEvent = {
      version: '0',
      id: (opts.ids ?? randomUUID)(),
      'detail-type': detailType,
      source,
      account: opts.account ?? ctx.account,
      time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: opts.region ?? ctx.region,
      resources,
      detail: parsed,
    };
    accepted.push({ eventBusName: bus, event });
    if (opts.putOn) opts.putOn(event, bus);
    else opts.sink?.emit(event);
    return { EventId: event.id };
  };

  /** Every entry's bus policy, before any entry is accepted: one refusal fails the whole call. */
  const authorize = (entries: Array<Record<string, unknown>>, ctx: CallContext): void => {
    const caller = identities.resolve(ctx.accessKeyId);
    const account = opts.account ?? ctx.account;
    const region = opts.region ?? ctx.region;
    for (const entry of entries) {
      const bus = busName(entry);
      const policy = opts.busPolicy?.(bus) as PolicyDocument | undefined;
      if (!policy) continue;
      const busArn = `arn:aws:events:${region}:${account}:event-bus/${bus}`;
      const decision = evaluateBusPolicy(policy, {
        principalArn: caller.principalArn,
        principalAccount: caller.account,
        busArn,
        busAccount: account,
        source: typeof entry['Source'] === 'string' ? entry['Source'] : '',
        detailType: typeof entry['DetailType'] === 'string' ? entry['DetailType'] : '',
      });
      if (!decision.allowed) {
        throw new AwsError(
          'AccessDeniedException',
          `User: ${caller.principalArn} is not authorized to perform: events:PutEvents on resource: ${busArn} ` +
            (decision.reason === 'explicit-deny'
              ? 'with an explicit deny in a resource-based policy'
              : 'because no resource-based policy allows the events:PutEvents action'),
        );
      }
    }
  };

  const PutEvents: Operation = (input, ctx) => {
    const entries = readEntries(input);
    authorize(entries, ctx);
    const Entries = entries.map((entry) => putEntry(entry, ctx));
    return { FailedEntryCount: Entries.filter((e) => 'ErrorCode' in e).length, Entries };
  };

  const TestEventPattern: Operation = (input) => {
    const patternText = requiredString(input, 'EventPattern');
    const eventText = requiredString(input, 'Event');
    let pattern: unknown;
    try {
      pattern = JSON.parse(patternText);
      validatePattern(pattern);
    } catch (err) {
      const reason =
        err instanceof InvalidPatternError || err instanceof SyntaxError ? err.message : String(err);
      throw new AwsError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${reason}`);
    }
    let event: unknown;
    try {
      event = JSON.parse(eventText);
    } catch {
      throw validation('Parameter Event is not valid.');
    }
    const absent = REQUIRED_EVENT_FIELDS.filter((f) => !isRecord(event) || !(f in event));
    if (absent.length > 0) {
      throw validation(
        `Parameter Event is not valid. Reason: Provided Json must contain ${absent.map((f) => `'${f}'`).join(', ')} fields`,
      );
    }
    return { Result: matches(pattern, event) };
  };

  /** The rules of the bus the input names (EventBusName: a name or an ARN; default 'default'). */
  const rulesOn = (input: Record<string, unknown>): { bus: string; rules: BusRule[] } => {
    const bus = busName(input);
    if (!busList().has(bus))
      throw new AwsError('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
    return { bus, rules: (opts.rules?.() ?? []).filter((r) => (r.eventBusName ?? 'default') === bus) };
  };
  const findRule = (input: Record<string, unknown>, key: string): { bus: string; rule: BusRule } => {
    const name = requiredString(input, key);
    const { bus, rules } = rulesOn(input);
    const rule = rules.find((r) => r.name === name);
    if (!rule)
      throw new AwsError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus}.`);
    return { bus, rule };
  };

  const ListRules: Operation = (input) => {
    const prefix = optionalString(input, 'NamePrefix') ?? '';
    const { bus, rules } = rulesOn(input);
    const matching = rules
      .filter((r) => r.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name));
    const { items, NextToken } = page(matching, input);
    return { Rules: items.map((r) => wireRule(r, bus)), ...(NextToken ? { NextToken } : {}) };
  };

  const DescribeRule: Operation = (input, ctx) => {
    const { bus, rule } = findRule(input, 'Name');
    return { ...wireRule(rule, bus), CreatedBy: opts.account ?? ctx.account };
  };

  const ListTargetsByRule: Operation = (input) => {
    const { rule } = findRule(input, 'Rule');
    const { items, NextToken } = page(rule.targets, input);
    return { Targets: items.map(wireTarget), ...(NextToken ? { NextToken } : {}) };
  };

  return {
    name: 'events',
    protocol: 'json1.1',
    targetPrefix: 'AWSEvents',
    internalErrorCode: 'InternalException',
    operations: { PutEvents, TestEventPattern, ListRules, DescribeRule, ListTargetsByRule },
    events: () => [...accepted],
    clear: () => {
      accepted.length = 0;
    },
  };
}
