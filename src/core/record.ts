import type { LedgerPort, LogPort, MetricsPort } from '../ports/index.ts';
import { errorMessage } from '../model/errors.ts';
import { outcomeRecorded } from './metrics.ts';
import type { Outcome } from '../model/types.ts';

/**
 * The audit trail of one outcome: one JSON log line (`decision` when an event is decided, `outcome`
 * for what follows: completion, verification, release) and a ledger item. A ledger failure is
 * logged, never thrown: the log line is the record of last resort.
 */
export async function recordOutcome(
  o: Outcome,
  message: 'decision' | 'outcome',
  deps: { log: LogPort; ledger: Pick<LedgerPort, 'recordOutcome'>; metrics?: MetricsPort },
): Promise<void> {
  outcomeRecorded(deps.metrics, o);
  // `findingEventId`: the finding's event, whichever event this invocation is about (`correlation_id`).
  deps.log.info(message, {
    findingEventId: o.eventId,
    remediation: o.remediation,
    resourceId: o.resourceId,
    outcome: o.outcome,
    code: o.code,
    reason: o.reason,
    executionId: o.executionId,
    field: o.outcome === 'rejected' ? o.field : undefined,
    mode: o.mode,
  });
  try {
    await deps.ledger.recordOutcome(o);
  } catch (e) {
    deps.log.error('outcome not recorded in the ledger', {
      findingEventId: o.eventId,
      remediation: o.remediation,
      error: errorMessage(e),
    });
  }
}
