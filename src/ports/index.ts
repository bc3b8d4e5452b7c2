/**
 * The interfaces the core needs. Adapters (src/adapters/) implement them with the AWS SDK; the core
 * and runbooks never import an SDK. Every port method may throw; the engine fails closed.
 */
import type {
  AssociationFact,
  CalendarFact,
  DocumentParameters,
  InstanceFact,
  Mode,
  Outcome,
  TriggerFamily,
} from '../core/types.ts';
import type { HoldCode } from '../core/hold.ts';

export interface Switches {
  /** true: the global kill switch is engaged and nothing may act. */
  killSwitch: boolean;
  /** Mode per remediation id, where Parameter Store has one. */
  modes: Record<string, Mode | undefined>;
}

export interface SwitchesPort {
  read(remediationIds: string[]): Promise<Switches>;
}

export interface ResourceRef {
  account: string;
  region: string;
  resourceType: string;
  resourceId: string;
}

export interface TagsPort {
  tagsFor(resource: ResourceRef): Promise<Record<string, string>>;
}

export interface CalendarPort {
  /** Combined state of the calendars (OPEN only if all are open). */
  state(calendars: string[]): Promise<Omit<CalendarFact, 'calendars'>>;
}

export interface FleetPort {
  /** Agent facts for these instances; an instance SSM does not know comes back with pingStatus Unknown. */
  describe(instanceIds: string[]): Promise<Record<string, InstanceFact>>;
}

export interface AssociationsPort {
  /** The State Manager associations on one instance and their last status (association.failed facts). */
  onInstance(instanceId: string): Promise<AssociationFact[]>;
}

export interface StartAutomationRequest {
  document: string;
  parameters: DocumentParameters;
  clientToken: string;
  tags: Record<string, string>;
}

export interface AutomationPort {
  start(req: StartAutomationRequest): Promise<{ executionId: string }>;
}

export interface SendCommandRequest {
  document: string;
  parameters: DocumentParameters;
  instanceIds: string[];
  maxConcurrency: string;
  maxErrors: string;
  timeoutSeconds: number;
  comment: string;
}

export interface CommandPort {
  send(req: SendCommandRequest): Promise<{ commandId: string }>;
}

/** One message to the team: an outcome, or several aggregated (a fan-out). */
export interface Notification {
  /** The headline outcome (for an aggregate, the most severe). */
  outcome: Outcome;
  /** For aggregated notifications: every outcome it summarises. */
  outcomes?: Outcome[];
  title: string;
  consoleUrl?: string;
}

export interface NotifierPort {
  notify(n: Notification): Promise<void>;
}

export interface DeadLetterPort {
  /** Keeps an event the service could not accept, with the reason and the field at fault. */
  send(event: unknown, reason: string, field?: string): Promise<void>;
}

/** Idempotency key of one (remediation, resource, finding). */
export interface ClaimKey {
  remediationId: string;
  resourceId: string;
  /** The finding's ordering time. */
  findingTime: string;
  family: TriggerFamily;
}

export type ClaimResult =
  { status: 'claimed' } | { status: 'duplicate'; reason: string; executionId?: string };

/** Ledger-derived facts for the loop guard, the budget and the circuit breaker. */
export interface GuardFacts {
  /** Times this remediation acted on this resource within the cooldown window. */
  recentRuns: number;
  /** Executions started account-wide in the last rolling hour. */
  startedLastHour: number;
  /** The remediation's circuit breaker is open (recent executions failed above the threshold). */
  breakerOpen: boolean;
  breakerReason?: string;
  /** When this remediation last started on this resource within the cooldown window (association.failed escalation). */
  lastRunAt?: string;
}

export interface ExecutionRecord {
  executionId: string;
  kind: 'automation' | 'command';
  remediationId: string;
  family: TriggerFamily;
  document: string;
  /** Resources the execution acts on (one for automation, up to 50 instances for a command). */
  resourceIds: string[];
  resourceType: string;
  findingTime: string;
  /** Fan-out: each resource's own finding time, where it differs from `findingTime` (its claim's key). */
  findingTimes?: Record<string, string>;
  eventId: string;
  account: string;
  region: string;
  startedAt: string;
  /** The Config rule (config findings): what to re-evaluate to verify the fix. */
  rule?: string;
}

export interface DeferralRecord {
  remediationId: string;
  resourceId: string;
  resourceType: string;
  family: TriggerFamily;
  findingTime: string;
  eventId: string;
  account: string;
  region: string;
  rule?: string;
  calendars: string[];
  nextTransitionTime?: string;
  deferredAt: string;
  /** The finding as normalised, to replay when the calendar opens. */
  finding: unknown;
  /** Why it is held (src/core/hold.ts); absent on items written before holds: `calendar-closed`. */
  code?: HoldCode;
  /** The latest reason it is held, as an operator reads it. */
  heldReason?: string;
  /** Tries so far (the backoff grows with them). */
  attempts?: number;
  /** Not released before this (backoff with jitter); calendar deferrals wait on the calendar instead. */
  nextTryAt?: string;
}

export interface LedgerPort {
  guards(remediationId: string, resourceId: string, now: Date): Promise<GuardFacts>;
  /** Conditional write before acting: at most one claim per key (and per remediation+resource in flight). */
  claim(key: ClaimKey, now: Date): Promise<ClaimResult>;
  /** Undo a claim whose action never started (transient failure), so a retry may act. */
  release(key: ClaimKey): Promise<void>;
  /**
   * Takes one execution of the hourly budget, exactly (a conditional counter per clock hour): the
   * window's token, or undefined when `limit` executions have already started in this window.
   */
  acquireBudget(now: Date, limit: number): Promise<string | undefined>;
  /** Gives a budget slot back when the action it was taken for did not start. */
  returnBudget(window: string): Promise<void>;
  /**
   * Admission (src/core/admission.ts): takes `want` slots of the service's share of SSM's Automation
   * quota if they fit under `limit` (one conditional counter): true when taken. Optional: a ledger
   * without it admits everything.
   */
  acquireSlots?(want: number, limit: number, now: Date): Promise<boolean>;
  /** Gives slots back: the start they were taken for failed, or the execution ended. */
  returnSlots?(count: number): Promise<void>;
  recordExecution(rec: ExecutionRecord): Promise<void>;
  /** An execution or command this service started, if it is one (how its own failures are recognised). */
  getExecution(executionId: string): Promise<ExecutionRecord | undefined>;
  recordDeferral(rec: DeferralRecord): Promise<void>;
  recordOutcome(outcome: Outcome): Promise<void>;
  /**
   * Guard outcomes (cooldown, budget, circuit-open) are announced once per trip: false when this
   * trip was already announced. Optional; without it every outcome is notified.
   */
  firstNotice?(outcome: Outcome, now: Date): Promise<boolean>;
}

/** The decision log: one structured line per decision. */
export interface LogPort {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

/** One message of the on-failure queue: Lambda's destination record of an invocation that failed. */
export interface FailedInvocation {
  /** Receipt handle: what `remove` takes. */
  handle: string;
  /** The destination record as Lambda wrote it (requestContext, requestPayload, responsePayload). */
  record: unknown;
}

/** The on-failure queue (`…-failed-invocations`): read back and emptied by the reconcile sweep. */
export interface FailedInvocationsPort {
  /** Up to `max` messages (they stay hidden from other readers for the queue's visibility timeout). */
  receive(max: number): Promise<FailedInvocation[]>;
  remove(handle: string): Promise<void>;
}

/** Dimensions of one metric value (low-cardinality names: family, outcome, code, remediation, gate, channel). */
export type MetricDimensions = Record<string, string>;

/**
 * The service's metrics (docs/operating.md "Metrics"). The adapter writes CloudWatch embedded metric
 * format lines to the function's log (no API calls); values are buffered and flushed once per invocation.
 */
export interface MetricsPort {
  /** Adds `value` (default 1) to a counter. */
  count(name: string, dimensions?: MetricDimensions, value?: number): void;
  /** Records one measurement (a gauge or a duration). */
  measure(
    name: string,
    unit: 'Milliseconds' | 'Seconds' | 'Count',
    value: number,
    dimensions?: MetricDimensions,
  ): void;
}
