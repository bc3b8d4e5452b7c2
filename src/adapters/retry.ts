/**
 * What happens after the SDK's own retries (configured once in aws-clients.ts). Errors are classified
 * by the one classifier (src/model/errors.ts), built on the SDK's helpers, never a hand-kept list.
 */
import { TransientError, errorName, isRetryable, isThrottling } from '../model/errors.ts';
import { systemClock } from './system-clock.ts';

/** HTTP attempts per call, the first included. */
export const MAX_ATTEMPTS = 5;

/** Full jitter: a random delay below min(5 s, 100 ms × 2^attempt). */
export const backoffMs = (attempt: number): number => Math.random() * Math.min(5_000, 100 * 2 ** attempt);

const attemptsOf = (e: unknown): number =>
  (e as { $metadata?: { attempts?: number } })?.$metadata?.attempts ?? 1;

/**
 * Runs one SDK call. Once the SDK has spent its attempts, a retryable error becomes a TransientError,
 * so Lambda's own retries take over; any other error is thrown unchanged.
 */
export async function transient<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!isRetryable(e)) throw e;
    const n = attemptsOf(e);
    throw new TransientError(`${what}: ${errorName(e)} after ${n} attempt${n === 1 ? '' : 's'}`, {
      cause: e,
    });
  }
}

export interface ThrottleRetryOptions {
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * For a call that is not idempotent (SendCommand) on a client that makes one attempt per call: a
 * throttle means nothing happened, so it is retried with the clients' backoff; a 5xx may have acted,
 * so it is thrown unchanged. Throttling past the attempts becomes a TransientError.
 */
export async function withThrottleRetry<T>(
  what: string,
  fn: () => Promise<T>,
  opts: ThrottleRetryOptions = {},
): Promise<T> {
  const attempts = opts.attempts ?? MAX_ATTEMPTS;
  const sleep = opts.sleep ?? systemClock.sleep;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (!isThrottling(e)) throw e;
      if (i >= attempts)
        throw new TransientError(`${what}: ${errorName(e)} after ${attempts} attempts`, { cause: e });
      await sleep(backoffMs(i));
    }
  }
}
