import { TransientError, errorName } from '../core/errors.ts';
import { systemClock } from './system-clock.ts';

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);
const TRANSIENT = new Set(['InternalServerError', 'InternalFailure', 'ServiceUnavailable', 'TimeoutError']);

export const isThrottling = (e: unknown): boolean => THROTTLING.has(errorName(e));
export const isTransient = (e: unknown): boolean =>
  isThrottling(e) ||
  TRANSIENT.has(errorName(e)) ||
  ((e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode ?? 0) >= 500;

export interface RetryOptions {
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** 'throttling' for calls that are not idempotent: a 5xx may have acted, a throttle has not. */
  retryOn?: 'transient' | 'throttling';
}

/**
 * Retries throttling and transient errors with full-jitter exponential backoff; once the attempts
 * are spent the last error becomes a TransientError, so Lambda's own retries take over. Any other
 * error is thrown unchanged on the first try.
 */
export async function withBackoff<T>(
  what: string,
  fn: () => Promise<T>,
  opts: RetryOptions = {},
): Promise<T> {
  const attempts = opts.attempts ?? 5;
  const base = opts.baseMs ?? 100;
  const max = opts.maxMs ?? 5_000;
  const sleep = opts.sleep ?? systemClock.sleep;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (!(opts.retryOn === 'throttling' ? isThrottling(e) : isTransient(e))) throw e;
      if (i >= attempts)
        throw new TransientError(`${what}: ${errorName(e)} after ${attempts} attempts`, { cause: e });
      await sleep(Math.random() * Math.min(max, base * 2 ** i));
    }
  }
}
