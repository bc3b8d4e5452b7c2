/**
 * One error base class; subclasses set `name` and keep `cause`. Expected outcomes (calendar closed,
 * agent offline, nothing matched) are values, never exceptions. Exceptions are for invalid input,
 * misconfiguration and transient infrastructure; only `TransientError` is rethrown to Lambda.
 */
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

/** AWS errors that say "not now" rather than "never": try again later. */
const TRANSIENT_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  // SSM's quota of running plus queued Automation executions (100 + 1,000): capacity frees as they end.
  'AutomationExecutionLimitExceededException',
  'InternalServerError',
  'InternalServerException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/**
 * Whether an action that failed may succeed later (held and retried) or never will (failed,
 * announced with the AWS error named): throttling after the SDK's retries, 5xx, network trouble and
 * the Automation execution quota are transient; invalid parameters, a missing document, access
 * denied and anything else are permanent.
 */
export function classifyActionError(e: unknown): 'transient' | 'permanent' {
  if (e instanceof TransientError) return 'transient';
  if (TRANSIENT_ERRORS.has(errorName(e))) return 'transient';
  const o = (typeof e === 'object' && e !== null ? e : {}) as {
    code?: unknown;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  if ((o.$metadata?.httpStatusCode ?? 0) >= 500 || o.$retryable) return 'transient';
  return typeof o.code === 'string' && NETWORK_ERRORS.has(o.code) ? 'transient' : 'permanent';
}
