import { describe, expect, it } from 'vitest';
import { TransientError, classifyActionError, isRetryable } from '../../src/model/errors.ts';

const aws = (name: string, status = 400, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} from SSM`), { name, $metadata: { httpStatusCode: status }, ...extra });

const cases: [string, unknown, 'transient' | 'permanent'][] = [
  ['ThrottlingException after the SDK retries', aws('ThrottlingException'), 'transient'],
  ['TooManyRequestsException', aws('TooManyRequestsException', 429), 'transient'],
  [
    'AutomationExecutionLimitExceededException (100 running + 1,000 queued)',
    aws('AutomationExecutionLimitExceededException'),
    'transient',
  ],
  ['InternalServerError (500)', aws('InternalServerError', 500), 'transient'],
  ['any 503', aws('SomethingNew', 503), 'transient'],
  ['an SDK error marked retryable', aws('Weird', 400, { $retryable: {} }), 'transient'],
  ['a connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'transient'],
  [
    "the adapter's TransientError",
    new TransientError('SendCommand: ThrottlingException after 5 attempts'),
    'transient',
  ],
  ['InvalidDocument', aws('InvalidDocument'), 'permanent'],
  ['AutomationDefinitionNotFoundException', aws('AutomationDefinitionNotFoundException'), 'permanent'],
  ['InvalidParameters', aws('InvalidParameters'), 'permanent'],
  [
    'InvalidAutomationExecutionParametersException',
    aws('InvalidAutomationExecutionParametersException'),
    'permanent',
  ],
  ['AccessDeniedException', aws('AccessDeniedException', 403), 'permanent'],
  ['InvalidInstanceId', aws('InvalidInstanceId'), 'permanent'],
  ['a plain Error', new Error('boom'), 'permanent'],
  ['a thrown string', 'boom', 'permanent'],
  // The SDK's own lists, now the one source: its throttling codes and network errors.
  ['LimitExceededException (a throttling code to the SDK)', aws('LimitExceededException'), 'transient'],
  [
    'a host unreachable',
    Object.assign(new Error('connect EHOSTUNREACH'), { code: 'EHOSTUNREACH' }),
    'transient',
  ],
];

describe('classifyActionError: held and retried, or failed for good', () => {
  it.each(cases)('%s → %s', (_name, e, expected) => {
    expect(classifyActionError(e)).toBe(expected);
  });
});

describe('one classifier: the adapters retry what the core holds', () => {
  // Beyond the SDK's view, the core only adds its own TransientError and SSM's Automation quota.
  const own = new Set([
    "the adapter's TransientError",
    'AutomationExecutionLimitExceededException (100 running + 1,000 queued)',
  ]);
  it.each(cases.filter(([name]) => !own.has(name)))('%s', (_name, e, expected) => {
    expect(isRetryable(e)).toBe(expected === 'transient');
  });
});
