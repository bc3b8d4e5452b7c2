/** The sandbox's Slack rate limit (429 + Retry-After) and SNS → SQS subscriptions, called directly. */
import { expect, test } from 'vitest';
import { createClock } from '../../sandbox/clock.ts';
import { createSlackReceiver } from '../../sandbox/services/slack.ts';
import { createSnsService } from '../../sandbox/services/sns.ts';
import { createSqsService } from '../../sandbox/services/sqs.ts';
import type { CallContext } from '../../sandbox/types.ts';

const post = (text: string) => Buffer.from(JSON.stringify({ text }));

test('Slack takes one message per second per webhook; sooner is 429 with Retry-After, counted', async () => {
  const clock = createClock({ virtual: true, start: new Date('2026-01-01T00:00:00Z') });
  const slack = createSlackReceiver({ clock });
  expect(slack.receive('/slack/a', 'application/json', post('1')).status).toBe(200);
  const limited = slack.receive('/slack/a', 'application/json', post('2'));
  expect(limited).toEqual({ status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } });
  // Another webhook has its own budget.
  expect(slack.receive('/slack/b', 'application/json', post('3')).status).toBe(200);
  await clock.advance(1_000);
  expect(slack.receive('/slack/a', 'application/json', post('4')).status).toBe(200);
  expect(slack.messages().map((m) => m.text)).toEqual(['1', '3', '4']);
  expect(slack.rateLimited()).toBe(1);
  expect(slack.rateLimited('/slack/b')).toBe(0);
});

test('SNS delivers each published message to its subscribed queues: raw keeps body and attributes', () => {
  const clock = createClock({ virtual: true });
  const sqs = createSqsService({ clock });
  const sns = createSnsService({ clock, sqs, topics: ['results'] });
  const topic = sns.topics()[0]!;
  const raw = sqs.createQueue('raw');
  const enveloped = sqs.createQueue('env');
  sns.subscribeQueue(topic, raw.arn, { raw: true });
  sns.subscribeQueue(topic, enveloped.arn);
  const ctx = { account: '123456789012', region: 'us-east-1' } as CallContext;
  sns.operations['Publish']!(
    {
      TopicArn: topic,
      Message: '{"outcome":"failed"}',
      MessageAttributes: { outcome: { DataType: 'String', StringValue: 'failed' } },
    },
    ctx,
  );
  const [m] = sqs.messages('raw');
  expect(m?.Body).toBe('{"outcome":"failed"}');
  expect(m?.MessageAttributes['outcome']).toEqual({ DataType: 'String', StringValue: 'failed' });
  const env = JSON.parse(sqs.messages('env')[0]!.Body) as Record<string, unknown>;
  expect(env).toMatchObject({ Type: 'Notification', TopicArn: topic, Message: '{"outcome":"failed"}' });
  expect(() => sns.subscribeQueue(topic, 'arn:aws:sqs:us-east-1:123456789012:nope')).toThrow(/no queue/);
});
