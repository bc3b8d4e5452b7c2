/**
 * What each packaged function bundle (.build/<fn>/index.mjs, built by the global setup) carries: only
 * the AWS clients that function calls, and no credential provider beyond the environment's (no
 * nested SSO/STS/sign-in clients). A client's schemas name its Smithy namespace, e.g. "com.amazonaws.sqs".
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import { handlerNames } from '../../scripts/build.ts';

const services = [
  'ssm',
  'sns',
  'sqs',
  'dynamodb',
  'configservice',
  'eventbridge',
  'resourcegroupstaggingapi',
  'sso',
  'sts',
  'signin',
];
const bundle = (fn: string) => resolve(import.meta.dirname, '../../.build', fn, 'index.mjs');
const carried = (fn: string) => {
  const text = readFileSync(bundle(fn), 'utf8');
  return services.filter((s) => text.includes(`"com.amazonaws.${s}"`));
};

test('each function bundles only the clients it calls', () => {
  expect(Object.fromEntries(handlerNames().map((fn) => [fn, carried(fn)]))).toEqual({
    // sqs: a notification whose Publish failed waits in the outbox queue.
    'agent-sweep': ['ssm', 'sns', 'sqs', 'dynamodb', 'eventbridge'],
    'approval-callback': ['ssm', 'dynamodb', 'eventbridge'],
    complete: ['ssm', 'sns', 'sqs', 'dynamodb', 'configservice', 'eventbridge'],
    // Reads the webhook SecureString; posts to Slack over fetch; its queue is read by the event source mapping.
    'notify-slack': ['ssm'],
    'patch-fanout': ['ssm', 'sns', 'sqs', 'dynamodb', 'resourcegroupstaggingapi'],
    reconcile: ['ssm', 'sns', 'sqs', 'dynamodb', 'configservice', 'resourcegroupstaggingapi'],
    // eventbridge: a failed start's admission slot given back wakes held work (Admission Slot Freed).
    remediate: ['ssm', 'sns', 'sqs', 'dynamodb', 'eventbridge', 'resourcegroupstaggingapi'],
  });
});

test('every bundle is well under the 1 MiB the shared container once made them', () => {
  for (const fn of handlerNames()) expect(statSync(bundle(fn)).size, fn).toBeLessThan(600 * 1024);
});

test('bundles carry zod/mini, not classic zod, and not the SDK event-stream codec (docs/performance.md)', () => {
  for (const fn of handlerNames()) {
    const text = readFileSync(bundle(fn), 'utf8');
    // zod names its schema classes in strings: classic "ZodString", mini "ZodMiniString".
    expect(text.includes('"ZodString"'), `${fn}: classic zod`).toBe(false);
    // The event-stream codec's header names; the alias's stub stands in (src/adapters/no-event-streams.ts).
    expect(text.includes(':event-type'), `${fn}: event-stream codec`).toBe(false);
  }
});

test("bundles carry no SDK client's modeled error classes but the base exceptions (scripts/sdk-slim.ts)", () => {
  for (const fn of handlerNames()) {
    const text = readFileSync(bundle(fn), 'utf8');
    // Errors of SSM, DynamoDB and SQS that no source file names (a name the code checks is a string).
    for (const name of [
      'InvalidAutomationSignalException',
      'TransactionConflictException',
      'QueueDoesNotExist',
    ])
      expect(text.includes(name), `${fn}: ${name}`).toBe(false);
    expect(text.includes('SSMServiceException'), `${fn}: the SSM base exception`).toBe(true);
  }
});
