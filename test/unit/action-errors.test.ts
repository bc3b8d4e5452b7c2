import { describe, expect, it } from 'vitest';
import { TransientError, classifyActionError } from '../../src/core/errors.ts';

const aws = (name: string, status = 400, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} from SSM`), { name, $metadata: { httpStatusCode: status }, ...extra });

describe('classifyActionError: held and retried, or failed for good', () => {
  it.each([
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
  ])('%s → %s', (_name, e, expected) => {
    expect(classifyActionError(e)).toBe(expected);
  });
});
