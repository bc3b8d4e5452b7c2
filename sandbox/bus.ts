/**
 * The sandbox account's event buses (the default bus and custom ones, each with its rules and its
 * resource policy, which the EventBridge service checks on PutEvents), and the Lambda plumbing behind
 * their targets.
 *
 * - `put(event)` matches every enabled rule's EventPattern (compiled with ./eventbridge/pattern.ts) and
 *   delivers to its targets. Lambda targets are invoked ASYNCHRONOUSLY as EventBridge does: the event joins
 *   Lambda's async queue; a function error is retried per the function's EventInvokeConfig
 *   (MaximumRetryAttempts, default 2; 1 then 2 minutes apart, sim time; MaximumEventAgeInSeconds), then
 *   the OnFailure destination (an SQS queue) gets Lambda's invocation record. A *delivery* failure
 *   (fault rule on `delivery:lambda` / `delivery:sqs`) is retried per the target's RetryPolicy with
 *   exponential backoff, then the event goes to the target's DeadLetterConfig queue with AWS's
 *   RULE_ARN/TARGET_ARN/ERROR_CODE/... attributes. SQS targets enqueue.
 * - SQS event-source mappings receive from their queue and invoke the function synchronously with
 *   batches (BatchSize, MaximumBatchingWindowInSeconds on the sim clock, ReportBatchItemFailures); a
 *   message that keeps failing is moved to the queue's dead-letter queue by SQS after maxReceiveCount.
 * - Rules with a ScheduleExpression (`rate(5 minutes)`, `cron(...)`) fire on the sim clock with AWS's
 *   `Scheduled Event` events (source aws.events, resources [rule ARN], detail {}).
 * - Faults: events can be dropped or duplicated with seeded probabilities, or delivered exactly N times,
 *   optionally only those of one source or detail-type (AWS delivers at least once, best effort).
 *
 * Every event's fate is tracked (`fates()`, `stats()`): which rules matched, each target delivery,
 * its invocations, retries, and where it ended ('succeeded', 'failed' → on-failure destination,
 * 'dead-lettered', 'discarded', 'enqueued'); `stats().lost` counts events dropped or discarded.
 * `idle()` resolves when no delivery, retry, batch window, queued SQS message or invocation is pending.
 */
import type { SimClock } from './clock.ts';
import { compilePattern, type CompiledPattern } from './eventbridge/pattern.ts';
import type { FaultController } from './faults.ts';
import type { SandboxIam } from './iam/index.ts';
import type { InvocationRecord, LambdaRuntime } from './lambda.ts';
import { createIds, createRng, type Rng } from './rng.ts';
import type { SqsMessage, SqsQueue, SqsService } from './services/sqs.ts';
import type { BusEvent, EventSink } from './types.ts';

/** How long a batch handed to a function stays invisible while the invocation runs (SQS's maximum, 12 h). */
const HOLD_SECONDS = 43_200;
export interface RetryPolicy {
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
}

export interface InputTransformer {
  InputPathsMap?: Record<string, string>;
  InputTemplate: string;
}

export interface BusTarget {
  id: string;
  /** A Lambda function ARN or an SQS queue ARN. */
  arn: string;
  input?: string;
  inputPath?: string;
  inputTransformer?: InputTransformer;
  retryPolicy?: RetryPolicy;
  deadLetterArn?: string;
}

export interface BusRule {
  name: string;
  /** The bus the rule is on (default 'default'). */
  eventBusName?: string;
  arn: string;
  eventPattern?: unknown;
  scheduleExpression?: string;
  enabled: boolean;
  targets: BusTarget[];
}

export interface AsyncInvokeConfig {
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
  /** Destination ARN (SQS queue) for failed async invocations. */
  onFailure?: string;
  onSuccess?: string;
}

export interface EventSourceMapping {
  uuid: string;
  functionName: string;
  /** SQS queue ARN. */
  eventSourceArn: string;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  functionResponseTypes: string[];
  enabled: boolean;
  /** Max concurrent batches (default 5). */
  maximumConcurrency?: number;
}

export interface BusFaults {
  /** Probability that an event is never delivered. */
  dropRate?: number;
  /** Probability that an event is delivered twice. */
  duplicateRate?: number;
  /** Deliver every (affected, not dropped) event exactly this many times: 3 = the event and two redeliveries. */
  deliveries?: number;
  /** Only events from this source are affected (default: any). */
  source?: string;
  /** Only events of this detail-type are affected (default: any), e.g. only completion events. */
  detailType?: string;
  /** Which arrivals the faults apply to (default: all but 'direct'). */
  appliesTo?: EventVia[];
}

export type EventVia = 'put-events' | 'service' | 'schedule' | 'direct';

export type DeliveryStatus = 'pending' | 'succeeded' | 'enqueued' | 'failed' | 'dead-lettered' | 'discarded';

export interface DeliveryRecord {
  id: string;
  eventId: string;
  rule: string;
  targetId: string;
  targetArn: string;
  kind: 'lambda' | 'sqs';
  /** EventBridge → target attempts (delivery, not function errors). */
  deliveryAttempts: number;
  /** Request ids of the function invocations that carried this delivery. */
  invocations: string[];
  status: DeliveryStatus;
  /** Where a failed/dead-lettered delivery went, and why. */
  detail?: string;
}

export type EventStatus =
  'dropped' | 'unmatched' | 'pending' | 'handled' | 'failed' | 'dead-lettered' | 'discarded';

export interface EventFate {
  event: BusEvent;
  via: EventVia;
  /** The bus the event was put on ('default' unless PutEvents named another). */
  eventBusName: string;
  receivedAt: Date;
  dropped: boolean;
  duplicated: boolean;
  /** Deliveries beyond the first the duplicate faults made. */
  extraDeliveries: number;
  rules: string[];
  deliveries: DeliveryRecord[];
  status: EventStatus;
}

export interface BusStats {
  events: number;
  dropped: number;
  duplicated: number;
  unmatched: number;
  pending: number;
  handled: number;
  failed: number;
  deadLettered: number;
  discarded: number;
  /** Events with no outcome anywhere: dropped by the bus, or discarded after retries with no DLQ/destination. */
  lost: number;
  invocations: number;
  functionErrors: number;
}

export interface EventBus extends EventSink {
  /** Put an event on the bus (what AWS services and PutEvents do). */
  put(event: BusEvent, opts?: { via?: EventVia; eventBusName?: string }): void;
  addRule(rule: BusRule): void;
  /** Custom event buses (CloudFormation AWS::Events::EventBus), with their resource policy if any. */
  addBus(name: string, policy?: unknown): void;
  setBusPolicy(name: string, policy: unknown): void;
  /** Every bus's name, 'default' first. */
  buses(): string[];
  busPolicy(name: string): unknown;
  rules(): BusRule[];
  setAsyncConfig(functionName: string, config: AsyncInvokeConfig): void;
  addEventSourceMapping(mapping: EventSourceMapping): void;
  eventSourceMappings(): EventSourceMapping[];
  /** Start firing scheduled rules (no-op when the bus was created with schedules: false). */
  startSchedules(): void;
  /** Fire one scheduled rule now (tests). */
  fireSchedule(ruleName: string): BusEvent;
  fates(): EventFate[];
  fate(eventId: string): EventFate | undefined;
  stats(): BusStats;
  /**
   * Resolves when nothing is pending; rejects after `timeoutMs` (wall, default 60 s) naming what still is.
   * On a virtual clock it moves simulated time forward (timer by timer) until then.
   */
  idle(opts?: { timeoutMs?: number }): Promise<void>;
  /** What is pending now (for diagnostics). */
  pendingWork(): string[];
  /** Count more work as pending (e.g. the SSM simulation's running executions): `idle()` waits for it too. */
  watch(source: () => string[]): void;
  setFaults(faults: BusFaults): void;
  close(): void;
}

export interface BusOptions {
  clock: SimClock;
  lambda: LambdaRuntime;
  sqs: SqsService;
  account: string;
  region: string;
  faults?: FaultController;
  busFaults?: BusFaults;
  seed?: number;
  /** Fire scheduled rules (default true). */
  schedules?: boolean;
  /** IAM for what Lambda and EventBridge do on a function's behalf (./iam/); none: everything allowed. */
  iam?: Pick<SandboxIam, 'asFunction' | 'asService'>;
}

const LAMBDA_RETRY_DELAYS_MS = [60_000, 120_000];
const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function createEventBus(opts: BusOptions): EventBus {
  const { clock, lambda, sqs } = opts;
  const rng: Rng = createRng(opts.seed ?? 1);
  const ids = createIds((opts.seed ?? 1) + 201);
  let busFaults: BusFaults = opts.busFaults ?? {};
  const rules = new Map<string, { rule: BusRule; match?: CompiledPattern }>();
  /** Bus name → its resource policy (undefined: none). */
  const buses = new Map<string, unknown>([['default', undefined]]);
  const asyncConfigs = new Map<string, AsyncInvokeConfig>();
  const mappings: EventSourceMapping[] = [];
  const pollers = new Map<string, Poller>();
  const fates: EventFate[] = [];
  const fateById = new Map<string, EventFate>();
  const deliveries = new Map<string, { fate: EventFate; d: DeliveryRecord }>();
  const cancels = new Set<() => void>();
  let pending = 0;
  let closed = false;
  let schedulesStarted = false;

  // ---- pending-work accounting ----------------------------------------------------------------
  const hold = (): (() => void) => {
    pending += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      pending -= 1;
    };
  };
  /** A timer on the sim clock that counts as pending work until it fires. */
  const later = (simMs: number, fn: () => void | Promise<void>): void => {
    const release = hold();
    if (simMs <= 0 && clock.mode === 'real') {
      // Next turn of the event loop (never inside the caller's stack).
      setImmediate(() => {
        if (closed) return release();
        void Promise.resolve().then(fn).finally(release);
      });
      return;
    }
    const cancel = clock.after(simMs, () => {
      cancels.delete(cancel);
      if (closed) return release();
      void Promise.resolve().then(fn).finally(release);
    });
    cancels.add(cancel);
  };
  const track = (p: Promise<unknown>): void => {
    const release = hold();
    void p.finally(release);
  };

  // ---- fates ----------------------------------------------------------------------------------
  const eventStatus = (f: EventFate): EventStatus => {
    if (f.dropped) return 'dropped';
    if (f.deliveries.length === 0) return f.rules.length === 0 ? 'unmatched' : 'pending';
    const s = f.deliveries.map((d) => d.status);
    if (s.includes('pending')) return 'pending';
    if (s.includes('discarded')) return 'discarded';
    if (s.includes('dead-lettered')) return 'dead-lettered';
    if (s.includes('failed')) return 'failed';
    return 'handled';
  };
  const settle = (d: DeliveryRecord, status: DeliveryStatus, detail?: string): void => {
    d.status = status;
    if (detail !== undefined) d.detail = detail;
    const entry = deliveries.get(d.id);
    if (entry) entry.fate.status = eventStatus(entry.fate);
  };

  // ---- targets --------------------------------------------------------------------------------
  const kindOf = (arn: string): 'lambda' | 'sqs' => {
    if (arn.startsWith('arn:aws:lambda:') || arn.includes(':lambda:')) return 'lambda';
    if (arn.includes(':sqs:')) return 'sqs';
    throw new Error(`the sandbox bus cannot deliver to target ${arn} (Lambda functions and SQS queues only)`);
  };

  const transform = (event: BusEvent, t: BusTarget): unknown => {
    if (t.input !== undefined) return JSON.parse(t.input) as unknown;
    if (t.inputPath !== undefined) return jsonPath(event, t.inputPath);
    if (t.inputTransformer) {
      const values: Record<string, unknown> = {};
      for (const [k, path] of Object.entries(t.inputTransformer.InputPathsMap ?? {}))
        values[k] = jsonPath(event, path);
      const text = t.inputTransformer.InputTemplate.replace(
        /(")?<([A-Za-z0-9_.-]+)>(")?/g,
        (whole, q1, name: string, q2) => {
          if (!(name in values) && name !== 'aws.events.event.json') return String(whole);
          const v = name === 'aws.events.event.json' ? event : values[name];
          if (q1 && q2) return JSON.stringify(typeof v === 'string' ? v : JSON.stringify(v));
          return `${q1 ?? ''}${typeof v === 'string' ? v : JSON.stringify(v)}${q2 ?? ''}`;
        },
      );
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    }
    return event;
  };

  const deliver = (fate: EventFate, rule: BusRule, target: BusTarget): void => {
    const d: DeliveryRecord = {
      id: ids(),
      eventId: fate.event.id,
      rule: rule.name,
      targetId: target.id,
      targetArn: target.arn,
      kind: kindOf(target.arn),
      deliveryAttempts: 0,
      invocations: [],
      status: 'pending',
    };
    fate.deliveries.push(d);
    deliveries.set(d.id, { fate, d });
    fate.status = eventStatus(fate);
    const payload = transform(fate.event, target);
    const firstAt = clock.now().getTime();
    const maxAttempts = 1 + (target.retryPolicy?.MaximumRetryAttempts ?? 185);
    const maxAgeMs = (target.retryPolicy?.MaximumEventAgeInSeconds ?? 86_400) * 1000;

    const attempt = (): void => {
      d.deliveryAttempts += 1;
      const decision = opts.faults?.decide('delivery', d.kind);
      const failure = decision?.failure;
      // EventBridge acts as events.amazonaws.com: the queue policy or the Lambda permission must allow
      // this rule. A permission error is not retried: the event goes to the target's dead-letter queue.
      const action = d.kind === 'lambda' ? 'lambda:InvokeFunction' : 'sqs:SendMessage';
      const req = { action, resource: lambda.get(target.arn)?.arn ?? target.arn };
      if (opts.iam && !opts.iam.asService('events.amazonaws.com', rule.arn, req, 'rule-target')) {
        const reason = `AccessDenied: events.amazonaws.com may not ${action} on ${target.arn} for ${rule.arn}`;
        if (target.deadLetterArn && sqs.queue(target.deadLetterArn)) {
          sqs.send(target.deadLetterArn, JSON.stringify(fate.event), {
            attributes: {
              RULE_ARN: { DataType: 'String', StringValue: rule.arn },
              TARGET_ARN: { DataType: 'String', StringValue: target.arn },
              ERROR_CODE: { DataType: 'String', StringValue: 'AccessDenied' },
              ERROR_MESSAGE: { DataType: 'String', StringValue: reason },
            },
            origin: { eventId: fate.event.id, deliveryId: d.id, role: 'event-target-dlq' },
          });
          return settle(d, 'dead-lettered', `${reason} → ${target.deadLetterArn}`);
        }
        return settle(d, 'discarded', reason);
      }
      if (!failure) {
        if (d.kind === 'lambda') track(invokeAsync(target.arn, payload, [fate.event.id], d));
        else {
          sqs.send(target.arn, JSON.stringify(payload), {
            origin: { eventId: fate.event.id, deliveryId: d.id },
          });
          settle(d, hasMapping(target.arn) ? 'pending' : 'enqueued');
        }
        return;
      }
      const age = clock.now().getTime() - firstAt;
      const backoff = Math.min(300_000, 1000 * 2 ** (d.deliveryAttempts - 1)) * (0.5 + rng() / 2);
      if (d.deliveryAttempts < maxAttempts && age + backoff <= maxAgeMs) {
        later(backoff, attempt);
        return;
      }
      const condition =
        d.deliveryAttempts >= maxAttempts ? 'MaximumRetryAttemptsExhausted' : 'MaximumEventAgeExhausted';
      const code = failure.code ?? (failure.status === 429 ? 'ThrottlingException' : 'InternalException');
      if (target.deadLetterArn && sqs.queue(target.deadLetterArn)) {
        sqs.send(target.deadLetterArn, JSON.stringify(fate.event), {
          attributes: {
            RULE_ARN: { DataType: 'String', StringValue: rule.arn },
            TARGET_ARN: { DataType: 'String', StringValue: target.arn },
            ERROR_CODE: { DataType: 'String', StringValue: code },
            ERROR_MESSAGE: { DataType: 'String', StringValue: failure.message },
            EXHAUSTED_RETRY_CONDITION: { DataType: 'String', StringValue: condition },
            RETRY_ATTEMPTS: { DataType: 'String', StringValue: String(d.deliveryAttempts - 1) },
          },
          origin: { eventId: fate.event.id, deliveryId: d.id, role: 'event-target-dlq' },
        });
        settle(d, 'dead-lettered', `${condition}: ${code} → ${target.deadLetterArn}`);
      } else settle(d, 'discarded', `${condition}: ${code}, no dead-letter queue`);
    };
    attempt();
  };

  /** Lambda's async invocation: retries on function error, then the on-failure destination. */
  const invokeAsync = async (
    fnArn: string,
    payload: unknown,
    eventIds: string[],
    d: DeliveryRecord | undefined,
  ): Promise<void> => {
    const spec = lambda.get(fnArn);
    if (!spec) {
      if (d) settle(d, 'discarded', `function ${fnArn} does not exist`);
      return;
    }
    const cfg = asyncConfigs.get(spec.name) ?? {};
    const maxRetries = cfg.maximumRetryAttempts ?? 2;
    const maxAgeMs = (cfg.maximumEventAgeInSeconds ?? 21_600) * 1000;
    const requestId = ids();
    const queuedAt = clock.now().getTime();
    let last: InvocationRecord | undefined;
    for (let attempt = 1; attempt <= maxRetries + 1; attempt++) {
      if (attempt > 1) {
        const delay = LAMBDA_RETRY_DELAYS_MS[attempt - 2] ?? 120_000;
        if (clock.now().getTime() + delay - queuedAt > maxAgeMs) break;
        await new Promise<void>((resolve) => later(delay, resolve));
        if (closed) return;
      }
      last = await lambda.invoke(spec.name, payload, { trigger: 'event', eventIds, attempt, requestId });
      d?.invocations.push(last.requestId + (attempt > 1 ? `#${attempt}` : ''));
      if (last.ok) {
        if (cfg.onSuccess)
          sendDestination(
            spec.name,
            cfg.onSuccess,
            destinationRecord(spec.arn, requestId, payload, last, 'Success', attempt),
          );
        if (d) settle(d, 'succeeded');
        return;
      }
    }
    const tries = d?.invocations.length ?? 0;
    const condition = tries > maxRetries ? 'RetriesExhausted' : 'EventAgeExceeded';
    const sent = cfg.onFailure
      ? sendDestination(
          spec.name,
          cfg.onFailure,
          destinationRecord(spec.arn, requestId, payload, last, condition, tries),
          d,
        )
      : 'none';
    if (sent === 'sent') {
      if (d) settle(d, 'failed', `${condition} → ${cfg.onFailure}`);
    } else if (d)
      settle(
        d,
        'discarded',
        sent === 'denied'
          ? `${condition}, on-failure destination ${cfg.onFailure} denied (AccessDenied: the execution role may not sqs:SendMessage)`
          : `${condition}, no on-failure destination`,
      );
  };

  const destinationRecord = (
    fnArn: string,
    requestId: string,
    payload: unknown,
    inv: InvocationRecord | undefined,
    condition: string,
    count: number,
  ): Record<string, unknown> => ({
    version: '1.0',
    timestamp: clock.now().toISOString(),
    requestContext: { requestId, functionArn: `${fnArn}:$LATEST`, condition, approximateInvokeCount: count },
    requestPayload: payload,
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(inv && !inv.ok ? { functionError: 'Unhandled' } : {}),
    },
    responsePayload: inv?.ok ? inv.payload : inv?.error,
  });

  /** Lambda sends a destination record with the function's execution role. */
  const sendDestination = (
    fnName: string,
    arn: string,
    record: Record<string, unknown>,
    d?: DeliveryRecord,
  ): 'sent' | 'denied' | 'none' => {
    if (!arn.includes(':sqs:') || !sqs.queue(arn)) return 'none';
    if (opts.iam && !opts.iam.asFunction(fnName, { action: 'sqs:SendMessage', resource: arn }, 'destination'))
      return 'denied';
    sqs.send(
      arn,
      JSON.stringify(record),
      d ? { origin: { eventId: d.eventId, deliveryId: d.id, role: 'on-failure' } } : {},
    );
    return 'sent';
  };

  // ---- SQS event-source mappings --------------------------------------------------------------
  const hasMapping = (queueArn: string): boolean => {
    const q = sqs.queue(queueArn);
    return mappings.some((m) => m.enabled && sqs.queue(m.eventSourceArn) === q);
  };

  class Poller {
    running = 0;
    windowOpen = false;
    constructor(
      readonly m: EventSourceMapping,
      readonly queue: SqsQueue,
    ) {}

    visible(): number {
      const now = clock.now().getTime();
      return sqs.pending(this.queue.arn).filter((x) => x.visibleAt <= now).length;
    }

    kick(): void {
      if (closed || !this.m.enabled) return;
      const limit = this.m.maximumConcurrency ?? 5;
      while (this.running < limit) {
        const n = this.visible();
        if (n === 0) return;
        if (this.m.maximumBatchingWindowInSeconds > 0 && n < this.m.batchSize) {
          if (!this.windowOpen) {
            this.windowOpen = true;
            later(this.m.maximumBatchingWindowInSeconds * 1000, () => {
              this.windowOpen = false;
              this.take();
              this.kick();
            });
          }
          return;
        }
        if (!this.take()) return;
      }
    }

    /**
     * Lambda polls with the function's execution role; AWS refuses a mapping whose role cannot
     * receive, delete and read the queue's attributes, so a denied mapping is disabled (once).
     */
    permitted(): boolean {
      if (!opts.iam) return true;
      for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']) {
        const req = { action, resource: this.queue.arn };
        if (!opts.iam.asFunction(this.m.functionName, req, 'event-source-mapping')) {
          this.m.enabled = false;
          return false;
        }
      }
      return true;
    }

    take(): boolean {
      if (!this.permitted()) return false;
      // Lambda's functions here run in wall time while the queue's visibility timeout runs on the
      // (compressed) sim clock; on AWS a function finishes well within the visibility timeout. So
      // hold the batch while its invocation runs, and give failures the queue's own timeout after.
      const batch = sqs.receive(this.queue.arn, { max: this.m.batchSize, visibilityTimeout: HOLD_SECONDS });
      if (batch.length === 0) return false;
      this.running += 1;
      track(
        this.process(batch.map((b) => ({ m: b.message, receipt: b.receiptHandle }))).finally(() => {
          this.running -= 1;
          this.kick();
        }),
      );
      return true;
    }

    async process(batch: Array<{ m: SqsMessage; receipt: string }>): Promise<void> {
      const event = {
        Records: batch.map(({ m, receipt }) => ({
          messageId: m.MessageId,
          receiptHandle: receipt,
          body: m.Body,
          attributes: {
            ApproximateReceiveCount: String(m.receiveCount),
            SentTimestamp: String(m.sentAt.getTime()),
            SenderId: 'AIDASANDBOXSANDBOX',
            ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt?.getTime() ?? m.sentAt.getTime()),
          },
          messageAttributes: Object.fromEntries(
            Object.entries(m.MessageAttributes).map(([k, a]) => [
              k,
              {
                ...(a.StringValue !== undefined ? { stringValue: a.StringValue } : {}),
                ...(a.BinaryValue !== undefined ? { binaryValue: a.BinaryValue } : {}),
                stringListValues: [],
                binaryListValues: [],
                dataType: a.DataType,
              },
            ]),
          ),
          md5OfBody: m.MD5OfBody,
          ...(m.MD5OfMessageAttributes ? { md5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
          eventSource: 'aws:sqs',
          eventSourceARN: this.queue.arn,
          awsRegion: opts.region,
        })),
      };
      const eventIds = [
        ...new Set(batch.map((b) => b.m.origin?.['eventId']).filter((x): x is string => !!x)),
      ];
      const inv = await lambda.invoke(this.m.functionName, event, { trigger: 'sqs', eventIds });
      for (const { m } of batch) {
        const entry = m.origin?.['deliveryId'] ? deliveries.get(m.origin['deliveryId']) : undefined;
        entry?.d.invocations.push(inv.requestId);
      }
      const visibility = Number(this.queue.attributes['VisibilityTimeout'] ?? 30);
      const requeue = (items: typeof batch) => {
        for (const { receipt } of items) sqs.changeVisibility(this.queue.arn, receipt, visibility);
      };
      if (!inv.ok) return requeue(batch); // the whole batch returns after the visibility timeout
      let failed = new Set<string>();
      if (this.m.functionResponseTypes.includes('ReportBatchItemFailures')) {
        const items = (inv.payload as { batchItemFailures?: unknown } | null)?.batchItemFailures;
        if (Array.isArray(items)) {
          const ids = items.map((i) => (i as { itemIdentifier?: unknown } | null)?.itemIdentifier);
          const known = new Set(batch.map((b) => b.m.MessageId));
          // An empty or unknown identifier makes Lambda treat the whole batch as failed.
          if (ids.some((id) => typeof id !== 'string' || !known.has(id))) return requeue(batch);
          failed = new Set(ids as string[]);
        }
      }
      for (const { m, receipt } of batch)
        if (!failed.has(m.MessageId)) sqs.deleteByReceipt(this.queue.arn, receipt);
      requeue(batch.filter((b) => failed.has(b.m.MessageId)));
    }
  }

  const unsubscribe = [
    sqs.onAvailable((q) => {
      for (const p of pollers.values()) if (p.queue === q) p.kick();
    }),
    sqs.onDelete((m) => {
      const entry = m.origin?.['deliveryId'] ? deliveries.get(m.origin['deliveryId']) : undefined;
      if (entry && entry.d.status === 'pending' && !m.origin?.['role']) settle(entry.d, 'succeeded');
    }),
    sqs.onRedrive((m, _from, to) => {
      const entry = m.origin?.['deliveryId'] ? deliveries.get(m.origin['deliveryId']) : undefined;
      if (entry && entry.d.status === 'pending')
        settle(entry.d, 'dead-lettered', `maxReceiveCount exceeded → ${to.arn}`);
    }),
  ];

  // ---- schedules ------------------------------------------------------------------------------
  const scheduledEvent = (rule: BusRule, at: Date): BusEvent => ({
    version: '0',
    id: ids(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: opts.account,
    time: isoSeconds(at),
    region: opts.region,
    resources: [rule.arn],
    detail: {},
  });

  const fireRule = (rule: BusRule, event: BusEvent): void => {
    const fate = record(event, 'schedule', rule.eventBusName ?? 'default');
    if (fate.dropped) return;
    fate.rules.push(rule.name);
    for (const t of rule.targets) deliver(fate, rule, t);
    fate.status = eventStatus(fate);
    for (let i = 1; i <= fate.extraDeliveries; i++)
      later(1000 * i, () => rule.targets.forEach((t) => deliver(fate, rule, t)));
  };

  const scheduleNext = (rule: BusRule): void => {
    if (closed || !rule.scheduleExpression) return;
    const now = clock.now();
    const next = nextFire(rule.scheduleExpression, now);
    const cancel = clock.after(next.getTime() - now.getTime(), () => {
      cancels.delete(cancel);
      if (closed) return;
      if (rule.enabled) fireRule(rule, scheduledEvent(rule, next));
      scheduleNext(rule);
    });
    cancels.add(cancel);
  };

  // ---- events ---------------------------------------------------------------------------------
  const record = (event: BusEvent, via: EventVia, eventBusName: string): EventFate => {
    const applies =
      (busFaults.appliesTo ?? ['put-events', 'service', 'schedule']).includes(via) &&
      (busFaults.source === undefined || busFaults.source === event.source) &&
      (busFaults.detailType === undefined || busFaults.detailType === event['detail-type']);
    const fate: EventFate = {
      event,
      via,
      eventBusName,
      receivedAt: clock.now(),
      dropped: applies && (busFaults.dropRate ?? 0) > 0 && rng() < (busFaults.dropRate ?? 0),
      duplicated: false,
      extraDeliveries: 0,
      rules: [],
      deliveries: [],
      status: 'pending',
    };
    if (!fate.dropped && applies) {
      if (busFaults.deliveries !== undefined) fate.extraDeliveries = Math.max(0, busFaults.deliveries - 1);
      else if ((busFaults.duplicateRate ?? 0) > 0 && rng() < (busFaults.duplicateRate ?? 0))
        fate.extraDeliveries = 1;
      fate.duplicated = fate.extraDeliveries > 0;
    }
    fates.push(fate);
    if (!fateById.has(event.id)) fateById.set(event.id, fate);
    fate.status = eventStatus(fate);
    return fate;
  };

  const route = (fate: EventFate): void => {
    for (const { rule, match } of rules.values()) {
      if ((rule.eventBusName ?? 'default') !== fate.eventBusName) continue;
      if (!rule.enabled || !match || !match(fate.event)) continue;
      if (!fate.rules.includes(rule.name)) fate.rules.push(rule.name);
      for (const t of rule.targets) deliver(fate, rule, t);
    }
    fate.status = eventStatus(fate);
  };

  const put: EventBus['put'] = (event, o = {}) => {
    if (closed) return;
    const fate = record(event, o.via ?? 'direct', o.eventBusName ?? 'default');
    if (fate.dropped) return;
    // EventBridge delivers asynchronously: never inside the caller's stack.
    later(0, () => route(fate));
    for (let i = 1; i <= fate.extraDeliveries; i++) later(1000 * (i + rng() * 4), () => route(fate));
  };

  const stats = (): BusStats => {
    const count = (s: EventStatus): number => fates.filter((f) => f.status === s).length;
    const invs = lambda.invocations();
    return {
      events: fates.length,
      dropped: count('dropped'),
      duplicated: fates.filter((f) => f.duplicated).length,
      unmatched: count('unmatched'),
      pending: count('pending'),
      handled: count('handled'),
      failed: count('failed'),
      deadLettered: count('dead-lettered'),
      discarded: count('discarded'),
      lost: count('dropped') + count('discarded'),
      invocations: invs.length,
      functionErrors: invs.filter((i) => i.ok === false).length,
    };
  };

  const watched: Array<() => string[]> = [];
  const pendingWork = (): string[] => {
    const out: string[] = watched.flatMap((w) => w());
    if (pending > 0) out.push(`${pending} delivery/retry/batch-window timer(s) or task(s)`);
    if (lambda.busy() > 0) out.push(`${lambda.busy()} invocation(s) running or queued`);
    for (const p of pollers.values()) {
      const n = sqs.pending(p.queue.arn).length;
      if (n > 0 && p.m.enabled)
        out.push(`${n} message(s) in ${p.queue.name} (mapped to ${p.m.functionName})`);
    }
    return out;
  };

  return {
    emit: (event) => put(event, { via: 'service' }),
    put,
    addRule(rule) {
      const match = rule.eventPattern !== undefined ? compilePattern(rule.eventPattern) : undefined;
      if (rule.scheduleExpression) nextFire(rule.scheduleExpression, clock.now()); // validate now
      for (const t of rule.targets) kindOf(t.arn);
      const bus = rule.eventBusName ?? 'default';
      if (!buses.has(bus)) throw new Error(`rule ${rule.name}: event bus ${bus} does not exist`);
      rules.set(bus === 'default' ? rule.name : `${bus}/${rule.name}`, { rule, ...(match ? { match } : {}) });
      if (schedulesStarted && rule.scheduleExpression) scheduleNext(rule);
    },
    rules: () => [...rules.values()].map((r) => r.rule),
    addBus(name, policy) {
      if (buses.has(name)) throw new Error(`event bus ${name} already exists`);
      buses.set(name, policy);
    },
    setBusPolicy(name, policy) {
      if (!buses.has(name)) throw new Error(`event bus ${name} does not exist`);
      buses.set(name, policy);
    },
    buses: () => [...buses.keys()],
    busPolicy: (name) => buses.get(name),
    setAsyncConfig(functionName, config) {
      const spec = lambda.get(functionName);
      asyncConfigs.set(spec?.name ?? functionName, config);
    },
    addEventSourceMapping(m) {
      const q = sqs.queue(m.eventSourceArn);
      if (!q) throw new Error(`event source mapping ${m.uuid}: queue ${m.eventSourceArn} does not exist`);
      if (!lambda.get(m.functionName))
        throw new Error(`event source mapping ${m.uuid}: function ${m.functionName} does not exist`);
      mappings.push(m);
      const p = new Poller(m, q);
      pollers.set(m.uuid, p);
      p.kick();
    },
    eventSourceMappings: () => [...mappings],
    startSchedules() {
      if (schedulesStarted || opts.schedules === false) return;
      schedulesStarted = true;
      for (const { rule } of rules.values()) if (rule.scheduleExpression) scheduleNext(rule);
    },
    fireSchedule(ruleName) {
      const rule = rules.get(ruleName)?.rule;
      if (!rule?.scheduleExpression) throw new Error(`no scheduled rule ${ruleName}`);
      const event = scheduledEvent(rule, clock.now());
      fireRule(rule, event);
      return event;
    },
    fates: () => [...fates],
    fate: (id) => fateById.get(id),
    stats,
    pendingWork,
    watch: (source) => void watched.push(source),
    async idle(o = {}) {
      const deadline = Date.now() + (o.timeoutMs ?? 60_000);
      if (clock.mode === 'virtual') {
        // Virtual time: let simulated time pass until nothing is pending (each step waits for quiet).
        for (;;) {
          await clock.quiet();
          if (pendingWork().length === 0) return;
          if (Date.now() > deadline || !(await clock.step()))
            throw new Error(`bus not idle after ${o.timeoutMs ?? 60_000} ms: ${pendingWork().join('; ')}`);
        }
      }
      let quiet = 0;
      for (;;) {
        if (pendingWork().length === 0) {
          quiet += 1;
          if (quiet >= 3) return;
        } else quiet = 0;
        if (Date.now() > deadline)
          throw new Error(`bus not idle after ${o.timeoutMs ?? 60_000} ms: ${pendingWork().join('; ')}`);
        await new Promise((r) => setTimeout(r, 15));
      }
    },
    setFaults(f) {
      busFaults = f;
    },
    close() {
      closed = true;
      for (const c of cancels) c();
      cancels.clear();
      for (const u of unsubscribe) u();
    },
  };
}

/** A minimal JSONPath for InputPath / InputPathsMap: `$`, `$.a.b`, `$.a[0]`, `$['a']`. */
export function jsonPath(value: unknown, path: string): unknown {
  if (path === '$') return value;
  const parts = path
    .replace(/^\$/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/\['([^']+)'\]/g, '.$1')
    .split('.')
    .filter(Boolean);
  let cur: unknown = value;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

// ---- schedule expressions -------------------------------------------------------------------------

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** The next time (strictly after `after`) a `rate(...)` or `cron(...)` expression fires, in UTC. */
export function nextFire(expression: string, after: Date): Date {
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const n = Number(rate[1]);
    const unit = UNIT_MS[rate[2]!.replace(/s$/, '')]!;
    if (n < 1) throw new Error(`schedule ${expression}: the value must be a positive number`);
    return new Date(after.getTime() + n * unit);
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (!cron) throw new Error(`schedule ${expression}: not a rate(...) or cron(...) expression`);
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6)
    throw new Error(`schedule ${expression}: cron needs 6 fields (min hour dom month dow year)`);
  const [min, hour, dom, mon, dow, year] = fields as [string, string, string, string, string, string];
  const sets = {
    min: cronField(min, 0, 59, [], expression),
    hour: cronField(hour, 0, 23, [], expression),
    dom: cronField(dom, 1, 31, [], expression),
    mon: cronField(mon, 1, 12, MONTHS, expression),
    dow: cronField(dow, 1, 7, DAYS, expression),
    year: cronField(year, 1970, 2199, [], expression),
  };
  const t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  const limit = after.getTime() + 5 * 366 * 86_400_000;
  while (t.getTime() <= limit) {
    if (!sets.year.has(t.getUTCFullYear()) || !sets.mon.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!sets.dom.has(t.getUTCDate()) || !sets.dow.has(t.getUTCDay() + 1)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!sets.hour.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!sets.min.has(t.getUTCMinutes())) {
      t.setTime(t.getTime() + 60_000);
      continue;
    }
    return t;
  }
  throw new Error(`schedule ${expression}: never fires`);
}

function cronField(field: string, lo: number, hi: number, names: string[], expr: string): Set<number> {
  const out = new Set<number>();
  const value = (s: string): number => {
    const i = names.indexOf(s.toUpperCase());
    const n = i >= 0 ? i + lo : Number(s);
    if (!Number.isInteger(n) || n < lo || n > hi) throw new Error(`schedule ${expr}: bad cron value ${s}`);
    return n;
  };
  for (const part of field.split(',')) {
    if (part === '*' || part === '?') {
      for (let i = lo; i <= hi; i++) out.add(i);
      continue;
    }
    const m = /^([^/-]+)(?:-([^/]+))?(?:\/(\d+))?$/.exec(part);
    if (!m || /[LW#]/.test(part))
      throw new Error(`schedule ${expr}: cron field ${part} is not supported by the sandbox`);
    const start = m[1] === '*' ? lo : value(m[1]!);
    const end = m[2] !== undefined ? value(m[2]) : m[3] !== undefined ? hi : start;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    for (let i = start; i <= end; i += step) out.add(i);
  }
  return out;
}
