/**
 * Pure rules of the blast-radius guards the ledger keeps: the circuit breaker's verdict from a
 * remediation's recently finished executions, and which outcomes are guard trips.
 */
import type { BreakerState, TripKind } from '../ports/ledger-store.ts';
import type { Outcome } from '../model/types.ts';

export interface BreakerOptions {
  /** Open when at least this many of the considered executions failed. */
  failures: number;
  /** Consider at most this many of the most recent finished executions… */
  lastRuns: number;
  /** …that finished within this many minutes. */
  windowMinutes: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { failures: 3, lastRuns: 5, windowMinutes: 60 };

export interface FinishedRun {
  executionId: string;
  result: 'succeeded' | 'failed';
  at: string;
  reason?: string;
}

/** `runs` newest first, already limited to the window and to `lastRuns`. */
export function evaluateBreaker(runs: FinishedRun[], o: BreakerOptions = DEFAULT_BREAKER): BreakerState {
  const considered = runs.slice(0, o.lastRuns);
  const failed = considered.filter((r) => r.result === 'failed');
  if (failed.length < o.failures)
    return { open: false, considered: considered.length, failures: failed.length };
  const last = failed[0]!;
  return {
    open: true,
    considered: considered.length,
    failures: failed.length,
    reason:
      `${failed.length} of the last ${considered.length} executions within ${o.windowMinutes} min failed ` +
      `(threshold ${o.failures} of ${o.lastRuns}); latest ${last.executionId}${last.reason ? `: ${last.reason}` : ''}`,
  };
}

/** The guard trip an outcome announces, if any. */
export function tripOf(o: Outcome): { kind: TripKind; scope: string } | undefined {
  if (!o.remediation) return undefined;
  // Work over the budget is held (deferred); the trip is announced once all the same.
  if (o.code === 'budget' && (o.outcome === 'deferred' || o.outcome === 'skipped'))
    return { kind: 'budget', scope: 'account' };
  if (o.outcome !== 'skipped') return undefined;
  if ((o.code === 'cooldown' || o.code === 'failed-again') && o.resourceId)
    return { kind: 'cooldown', scope: `${o.remediation}#${o.resourceId}` };
  if (o.code === 'circuit-open') return { kind: 'circuit-open', scope: o.remediation };
  return undefined;
}
