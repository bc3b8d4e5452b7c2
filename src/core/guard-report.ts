/**
 * Guards reported as outcomes: a guard tripping or resetting (circuit breaker, loop guard, budget)
 * is an outcome an operator reads and the ledger keeps, announced once per trip.
 */
import { report } from './announce.ts';
import type { CompletionDeps } from './completion.ts';
import { errorMessage } from '../model/errors.ts';
import type { TripKind } from '../ports/ledger-store.ts';
import type { Outcome } from '../model/types.ts';

/** A guard tripping or resetting, as an outcome an operator reads (and the ledger keeps). */
export function guardOutcome(
  kind: TripKind,
  scope: string,
  phase: 'tripped' | 'reset',
  reason: string,
  now: Date,
): Outcome {
  const remediation = kind === 'circuit-open' ? scope : kind === 'cooldown' ? scope.split('#')[0] : undefined;
  return {
    eventId: `guard:${kind}:${scope}:${now.toISOString()}`,
    outcome: phase === 'tripped' ? 'failed' : 'succeeded',
    code: kind === 'circuit-open' ? 'circuit-open' : kind,
    reason,
    ...(remediation ? { remediation } : {}),
    actions: [],
    at: now.toISOString(),
  };
}

export function guardTitle(kind: TripKind, scope: string, phase: 'tripped' | 'reset'): string {
  if (kind === 'budget')
    return phase === 'tripped' ? 'Account remediation budget spent' : 'Account remediation budget reset';
  if (kind === 'circuit-open')
    return phase === 'tripped' ? `Circuit breaker opened: ${scope}` : `Circuit breaker closed: ${scope}`;
  return phase === 'tripped' ? `Loop guard tripped: ${scope}` : `Loop guard reset: ${scope}`;
}

/** After a failure: if the remediation's breaker is now open, announce it once. */
export async function checkBreaker(remediationId: string, deps: CompletionDeps): Promise<void> {
  const now = deps.now();
  try {
    const b = await deps.ledger.breaker(remediationId, now);
    if (!b.open) return;
    const reason = b.reason ?? 'recent executions failed';
    if (
      await deps.ledger.openTrip(
        'circuit-open',
        remediationId,
        now,
        deps.options.breakerHoldMinutes * 60,
        reason,
      )
    ) {
      await report(
        [
          guardOutcome(
            'circuit-open',
            remediationId,
            'tripped',
            `circuit breaker opened: ${reason}; new findings are skipped until it closes`,
            now,
          ),
        ],
        deps,
        guardTitle('circuit-open', remediationId, 'tripped'),
      );
    }
  } catch (e) {
    deps.log.error('circuit breaker check failed', { remediation: remediationId, error: errorMessage(e) });
  }
}
