/**
 * The on-failure queue of Lambda destination records.
 */

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
