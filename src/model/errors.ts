/**
 * One error base class; subclasses set `name` and keep `cause`. Expected outcomes (calendar closed,
 * agent offline, nothing matched) are values, never exceptions. Exceptions are for invalid input,
 * misconfiguration and transient infrastructure; only `TransientError` is rethrown to Lambda.
 * Errors are classified once, here, with the SDK's own helpers (pure functions of the error; no
 * client, no call: the only piece of the SDK the core uses).
 */
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';

export class RemediatorError extends Error {
  override name = 'RemediatorError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Input that breaks the contract; `field` is the dotted path of the offending field. */
export class ValidationError extends RemediatorError {
  override name = 'ValidationError';
  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${message}`, options);
  }
}

/** Missing or invalid configuration: a deploy problem, never retried. */
export class ConfigError extends RemediatorError {
  override name = 'ConfigError';
}

/** A gate (switches, calendar, tags, ledger) could not be read: fail closed. */
export class GateUnreadableError extends RemediatorError {
  override name = 'GateUnreadableError';
  constructor(
    readonly gate: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${gate}: ${message}`, options);
  }
}

/** Infrastructure that may work on a retry (throttling past the SDK's retries, 5xx). */
export class TransientError extends RemediatorError {
  override name = 'TransientError';
}

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
export const errorName = (e: unknown): string =>
  e instanceof Error ? e.name : typeof e === 'object' && e && 'name' in e ? String(e.name) : 'Error';

type SdkError = Parameters<typeof isThrottlingError>[0];
const sdk = (e: unknown): SdkError => (typeof e === 'object' && e !== null ? e : {}) as SdkError;

/** Throttling as the SDK's retry strategy sees it (429, its throttling error codes, a throttling trait). */
export const isThrottling = (e: unknown): boolean => isThrottlingError(sdk(e));

/** Throttling, a timeout or network error, or a 5xx, as the SDK's retry strategy sees it: may work later. */
export const isRetryable = (e: unknown): boolean =>
  isThrottlingError(sdk(e)) || isTransientError(sdk(e)) || isServerError(sdk(e));

/**
 * SSM errors that say "not now" which the SDK does not retry: the quota of running plus queued
 * Automation executions (100 + 1,000) frees as they end.
 */
const SSM_NOT_NOW = new Set(['AutomationExecutionLimitExceededException']);

/**
 * The one classifier of errors: whether an action that failed may succeed later (held and retried)
 * or never will (failed, announced with the AWS error named). Retryable by the SDK's own helpers
 * (throttling after the SDK's retries, 5xx, timeouts and network trouble), the adapters'
 * TransientError, and SSM's Automation quota are transient; invalid parameters, a missing document,
 * access denied and anything else are permanent. The adapters (src/adapters/retry.ts) use the same
 * `isRetryable` and `isThrottling`.
 */
export function classifyActionError(e: unknown): 'transient' | 'permanent' {
  if (e instanceof TransientError || isRetryable(e) || SSM_NOT_NOW.has(errorName(e))) return 'transient';
  return 'permanent';
}
