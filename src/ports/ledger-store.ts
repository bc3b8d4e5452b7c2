/**
 * The ledger as the completion, reconcile and CLI paths use it: a superset of the engine's LedgerPort (phases of executions, held work, guards' trips and breaker, history, counters).
 */
import type { Outcome } from '../model/types.ts';
import type { DeferralRecord, ExecutionRecord, LedgerPort, SlotCounter } from './ledger.ts';

export type { SlotCounter } from './ledger.ts';

/** Where an execution the service started stands. */
export type ExecutionPhase = 'in-flight' | 'verifying' | 'done';

export interface StoredExecution extends ExecutionRecord {
  phase: ExecutionPhase;
  /** SSM's final status (Success, Failed, TimedOut, …) once known. */
  status?: string;
  finishedAt?: string;
  /** Config remediations: when re-evaluation was requested after a successful run. */
  verifyRequestedAt?: string;
  /** The final verdict, once `phase` is done. */
  result?: 'succeeded' | 'failed';
  reason?: string;
}

export interface StoredDeferral extends DeferralRecord {
  /** Set while one releaser holds the deferral (conditional claim); cleared when re-deferred. */
  leaseOwner?: string;
  leaseUntil?: string;
  /** Set once held work that waited long has been announced. */
  announcedAt?: string;
}

/** A guard that tripped and has been announced, so it is announced once per trip. */
export type TripKind = 'cooldown' | 'budget' | 'circuit-open';

export interface Trip {
  kind: TripKind;
  /** cooldown: `<remediation>#<resource>`; budget: `account`; circuit-open: the remediation id. */
  scope: string;
  openedAt: string;
  expiresAt: string;
  reason?: string;
}

export interface BreakerState {
  open: boolean;
  reason?: string;
  /** Finished executions considered (the last N within the window). */
  considered: number;
  failures: number;
}

export interface HistoryQuery {
  resourceId?: string;
  remediationId?: string;
  limit?: number;
}

/** The ledger as the completion, reconcile and CLI paths use it (a superset of the engine's port). */
export interface LedgerStore extends LedgerPort {
  getExecution(executionId: string): Promise<StoredExecution | undefined>;
  /** Executions still in flight that started before `startedBefore` (oldest first). */
  listInFlight(startedBefore: Date): Promise<StoredExecution[]>;
  /** Config executions that succeeded and wait for Config to confirm the fix. */
  listVerifying(): Promise<StoredExecution[]>;
  /**
   * Moves an execution from one phase to the next, conditionally: false if another invocation got
   * there first (a duplicate completion event), so each transition is reported once.
   */
  transitionExecution(
    executionId: string,
    from: ExecutionPhase,
    to: ExecutionPhase,
    fields: Partial<
      Pick<StoredExecution, 'status' | 'finishedAt' | 'verifyRequestedAt' | 'result' | 'reason'>
    >,
    now: Date,
  ): Promise<boolean>;
  /** Drops the in-flight lock of every resource of this execution. */
  releaseLocks(exec: Pick<ExecutionRecord, 'executionId' | 'remediationId' | 'resourceIds'>): Promise<void>;
  /** One finished execution, for the circuit breaker. */
  recordFinished(
    remediationId: string,
    executionId: string,
    result: 'succeeded' | 'failed',
    at: Date,
    reason: string,
  ): Promise<void>;
  breaker(remediationId: string, now: Date): Promise<BreakerState>;
  /** Operator reset: the breaker ignores executions that finished before now. */
  resetBreaker(remediationId: string, now: Date): Promise<void>;
  /** Executions started account-wide in the rolling hour before `now`. */
  startedLastHour(now: Date): Promise<number>;

  listDeferrals(): Promise<StoredDeferral[]>;
  /** Up to `max` held items with this hold code, oldest first (src/adapters/ledger-held.ts). */
  listHeld?(code: string, max: number): Promise<StoredDeferral[]>;
  /** Conditional claim on a deferral: a lease token, or undefined if it is gone or held by another releaser. */
  leaseDeferral(
    remediationId: string,
    resourceId: string,
    now: Date,
    seconds: number,
  ): Promise<string | undefined>;
  /** Deletes the deferral if this lease still holds it (false if it was re-deferred or taken). */
  dropDeferral(remediationId: string, resourceId: string, lease: string): Promise<boolean>;
  /** Marks held work announced: true only for the call that marked it (announce it once). */
  markHoldAnnounced(remediationId: string, resourceId: string, now: Date): Promise<boolean>;

  /** For guard outcomes (cooldown, budget, circuit-open): true only for the first of a trip. Others: true. */
  firstNotice(o: Outcome, now: Date): Promise<boolean>;
  /** Opens a trip unless one is open: true when this call opened it (announce it). */
  openTrip(kind: TripKind, scope: string, now: Date, holdSeconds: number, reason: string): Promise<boolean>;
  listTrips(): Promise<Trip[]>;
  /** Closes a trip: true when this call closed it (announce the reset). */
  closeTrip(kind: TripKind, scope: string): Promise<boolean>;

  history(q: HistoryQuery): Promise<Outcome[]>;

  /** Re-derives a leaked admission counter: sets `to` if it still reads `from`. */
  setSlots?(from: SlotCounter, to: number): Promise<boolean>;
  /** Ids of the executions recorded as started in this window (recovery by tag). */
  startedBetween?(from: Date, to: Date): Promise<Set<string>>;

  /** Small named counters (agent-health debounce): add `by` and return the new value. */
  bumpCounter(scope: string, key: string, by: number, ttlSeconds: number, now: Date): Promise<number>;
  listCounters(scope: string): Promise<Record<string, number>>;
  resetCounter(scope: string, key: string): Promise<void>;
}
