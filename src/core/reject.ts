import type { DeadLetterPort, LogPort } from '../ports/index.ts';
import { eventIdentity } from '../events/finding.ts';
import { TransientError, errorMessage, type ValidationError } from '../model/errors.ts';
import type { Outcome } from '../model/types.ts';

/**
 * An event that breaks the contract: its `rejected` outcome (naming the field), after the event is
 * kept on the dead-letter path. If that fails, this throws (TransientError): losing the event would
 * lose work, so Lambda's retries or the queue's redelivery keep it instead.
 */
export async function rejectEvent(
  event: unknown,
  e: ValidationError,
  deps: { deadLetter: DeadLetterPort; log: LogPort; now: () => Date },
): Promise<Outcome> {
  const id = eventIdentity(event);
  const outcome: Outcome = {
    ...id,
    outcome: 'rejected',
    code: 'invalid-event',
    field: e.field,
    reason: `invalid event: ${e.message}`,
    actions: [],
    at: deps.now().toISOString(),
  };
  deps.log.warn('event rejected', { findingEventId: id.eventId, field: e.field, reason: outcome.reason });
  try {
    await deps.deadLetter.send(event, outcome.reason, e.field);
  } catch (err) {
    deps.log.error('dead-letter send failed', { findingEventId: id.eventId, error: errorMessage(err) });
    throw new TransientError(`could not dead-letter rejected event ${id.eventId}`, { cause: err });
  }
  return outcome;
}
