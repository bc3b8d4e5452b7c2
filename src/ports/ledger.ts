/**
 * The ledger as the engine and the executor use it: claims, guards' facts, budget, admission, executions, held work, outcomes (src/adapters/ledger-dynamodb.ts).
 */
import type { HoldCode, Outcome, TriggerFamily } from '../model/types.ts';

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
  /**
   * Takes one slot if it fits under `limit`, answering the slots taken after it (undefined: refused):
   * the admission pass's first take, the slot and the room left in one call (src/core/admission-pass.ts).
   */
  takeSlot?(limit: number, now: Date): Promise<number | undefined>;
  /**
   * Gives slots back: the start they were taken for failed, or the execution ended. Answers the
   * slots the counter said were taken before this return, when it knows (completion reads it).
   */
  returnSlots?(count: number): Promise<number | undefined>;
  /** The admission counter as stored (src/adapters/ledger-slots.ts). */
  slots?(): Promise<SlotCounter>;
  /** Whether this container's try to take a slot was refused lately (the engine reads `slots` first only then). */
  shareFullLately?(now: Date): boolean;
  recordExecution(rec: ExecutionRecord): Promise<void>;
  /** An execution or command this service started, if it is one (how its own failures are recognised). */
  getExecution(executionId: string): Promise<ExecutionRecord | undefined>;
  recordDeferral(rec: DeferralRecord): Promise<void>;
  /** The held item of one (remediation, resource), if any (a consistent read). */
  getDeferral(remediationId: string, resourceId: string): Promise<DeferralRecord | undefined>;
  recordOutcome(outcome: Outcome): Promise<void>;
  /**
   * Guard outcomes (cooldown, budget, circuit-open) are announced once per trip: false when this
   * trip was already announced. Optional; without it every outcome is notified.
   */
  firstNotice?(outcome: Outcome, now: Date): Promise<boolean>;
}

/** The admission slot counter (`SLOTS#automation`, src/core/admission.ts). */
export interface SlotCounter {
  /** Slots the counter says are taken. */
  n: number;
  /** When a slot was last taken (ISO-8601), if ever. */
  takenAt?: string;
}
