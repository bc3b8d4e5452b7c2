/** Fast unit tests of the adapters against aws-sdk-client-mock (the sandbox integration tests use the real wire). */
import {
  GetParametersCommand,
  SendCommandCommand,
  SSMClient,
  StartAutomationExecutionCommand,
  GetCalendarStateCommand,
} from '@aws-sdk/client-ssm';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, test } from 'vitest';
import { ssmAutomation } from '../../src/adapters/automation-ssm.ts';
import { ssmCalendar } from '../../src/adapters/calendar-ssm.ts';
import { ssmCommands } from '../../src/adapters/commands-ssm.ts';
import { snsNotifier } from '../../src/adapters/notifier-sns.ts';
import { sqsOutbox } from '../../src/adapters/notify-outbox-sqs.ts';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  escapeMrkdwn,
  postToSlack,
  retryAfterSeconds,
  SlackRateLimited,
  slackMessage,
  slackNotifier,
} from '../../src/adapters/notifier-slack.ts';
import { parameterStoreSwitches } from '../../src/adapters/switches-parameter-store.ts';
import { resourceArn, taggingApiTags } from '../../src/adapters/tags-tagging-api.ts';
import { TransientError } from '../../src/model/errors.ts';
import type { Outcome } from '../../src/model/types.ts';

const ssmMock = mockClient(SSMClient);
const snsMock = mockClient(SNSClient);
const taggingMock = mockClient(ResourceGroupsTaggingAPIClient);
beforeEach(() => {
  ssmMock.reset();
  snsMock.reset();
  taggingMock.reset();
});
const noSleep = { sleep: async () => undefined };
const awsError = (name: string, status = 400) =>
  Object.assign(new Error(name === 'ThrottlingException' ? 'Rate exceeded' : name), {
    name,
    $metadata: { httpStatusCode: status },
  });

describe('switches from Parameter Store', () => {
  const ssm = () => new SSMClient({ region: 'us-east-1' });
  test('kill switch off, a mode set for one remediation, none for another', async () => {
    ssmMock.on(GetParametersCommand).resolves({
      Parameters: [
        { Name: '/r/dev/kill-switch', Value: 'off' },
        { Name: '/r/dev/mode/a', Value: 'shadow' },
      ],
      InvalidParameters: ['/r/dev/mode/b'],
    });
    expect(await parameterStoreSwitches(ssm(), '/r/dev', 30).read(['a', 'b'])).toEqual({
      killSwitch: false,
      modes: { a: 'shadow' },
    });
  });
  test('kill switch on', async () => {
    ssmMock.on(GetParametersCommand).resolves({ Parameters: [{ Name: '/r/dev/kill-switch', Value: 'ON' }] });
    expect((await parameterStoreSwitches(ssm(), '/r/dev', 30).read([])).killSwitch).toBe(true);
  });
  test('an absent kill switch is off: the stack does not own it, so no deploy resets it', async () => {
    ssmMock.on(GetParametersCommand).resolves({ Parameters: [], InvalidParameters: ['/r/dev/kill-switch'] });
    expect(await parameterStoreSwitches(ssm(), '/r/dev', 30).read([])).toEqual({
      killSwitch: false,
      modes: {},
    });
  });
  test('a kill switch that cannot be read, or a bad value or mode, is unreadable (the engine fails closed)', async () => {
    ssmMock.on(GetParametersCommand).rejects(new Error('ThrottlingException: Rate exceeded'));
    await expect(parameterStoreSwitches(ssm(), '/r/dev', 30).read([])).rejects.toThrow('Rate exceeded');
    ssmMock
      .on(GetParametersCommand)
      .resolves({ Parameters: [{ Name: '/r/dev/kill-switch', Value: 'maybe' }] });
    await expect(parameterStoreSwitches(ssm(), '/r/dev', 0).read([])).rejects.toThrow('expected on or off');
    ssmMock.on(GetParametersCommand).resolves({
      Parameters: [
        { Name: '/r/dev/kill-switch', Value: 'off' },
        { Name: '/r/dev/mode/a', Value: 'yolo' },
      ],
    });
    await expect(parameterStoreSwitches(ssm(), '/r/dev', 0).read(['a'])).rejects.toThrow(
      'expected auto, shadow, off, approve',
    );
  });
  test('values are cached for the configured time, then read again', async () => {
    ssmMock.on(GetParametersCommand).resolves({ Parameters: [{ Name: '/r/dev/kill-switch', Value: 'off' }] });
    let now = 0;
    const s = parameterStoreSwitches(ssm(), '/r/dev', 30, () => now);
    await s.read([]);
    now = 29_000;
    await s.read([]);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParametersCommand, 1);
    now = 31_000;
    await s.read([]);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParametersCommand, 2);
  });
});

describe('StartAutomationExecution', () => {
  const req = {
    document: 'AWS-X',
    parameters: { GroupId: ['sg-0a1b2c3d'] },
    clientToken: '4fb010f7-577c-565e-81c7-5871487c7f01',
    tags: { a: 'b' },
  };
  test('passes the ClientToken, parameters and tags', async () => {
    ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: 'e-1' });
    expect(await ssmAutomation(new SSMClient({})).start(req)).toEqual({ executionId: 'e-1' });
    expect(ssmMock).toHaveReceivedCommandWith(StartAutomationExecutionCommand, {
      DocumentName: 'AWS-X',
      ClientToken: req.clientToken,
      Parameters: req.parameters,
      Tags: [{ Key: 'a', Value: 'b' }],
    });
  });
  // The SDK's own retries (aws-sdk-client-mock bypasses them) are counted in retries.test.ts.
  test('throttling or a 5xx past the retries of the SDK becomes a TransientError (Lambda retries)', async () => {
    ssmMock.on(StartAutomationExecutionCommand).rejects(awsError('ThrottlingException'));
    await expect(ssmAutomation(new SSMClient({})).start(req)).rejects.toBeInstanceOf(TransientError);
    ssmMock.on(StartAutomationExecutionCommand).rejects(awsError('InternalServerError', 500));
    await expect(ssmAutomation(new SSMClient({})).start(req)).rejects.toBeInstanceOf(TransientError);
    expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 2);
  });
  test('other errors are not retried', async () => {
    ssmMock
      .on(StartAutomationExecutionCommand)
      .rejects(awsError('InvalidAutomationExecutionParametersException'));
    await expect(ssmAutomation(new SSMClient({})).start(req)).rejects.toThrow(
      'InvalidAutomationExecutionParametersException',
    );
    expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 1);
  });
});

describe('SendCommand', () => {
  const req = {
    document: 'AWS-RunPatchBaseline',
    parameters: { Operation: ['Install'] },
    instanceIds: ['i-0123456789abcdef0'],
    maxConcurrency: '10%',
    maxErrors: '50%',
    timeoutSeconds: 600,
    comment: 'c',
  };
  test('a 5xx is not retried: SendCommand has no idempotency token and may have acted', async () => {
    ssmMock.on(SendCommandCommand).rejects(awsError('InternalServerError', 500));
    await expect(ssmCommands(new SSMClient({}), noSleep).send(req)).rejects.toThrow('InternalServerError');
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 1);
  });
  test('throttling is retried', async () => {
    ssmMock
      .on(SendCommandCommand)
      .rejectsOnce(awsError('ThrottlingException'))
      .resolves({ Command: { CommandId: 'c-1' } });
    expect(await ssmCommands(new SSMClient({}), noSleep).send(req)).toEqual({ commandId: 'c-1' });
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 2);
  });
  test('throttling past the attempts becomes a TransientError (the records are redelivered)', async () => {
    ssmMock.on(SendCommandCommand).rejects(awsError('ThrottlingException'));
    await expect(ssmCommands(new SSMClient({}), { ...noSleep, attempts: 3 }).send(req)).rejects.toThrow(
      new TransientError('SendCommand AWS-RunPatchBaseline: ThrottlingException after 3 attempts'),
    );
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 3);
  });
  test('more than 50 instances is refused before calling AWS', async () => {
    const ids = Array.from({ length: 51 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    await expect(ssmCommands(new SSMClient({})).send({ ...req, instanceIds: ids })).rejects.toThrow(
      '1 to 50',
    );
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 0);
  });
});

test('calendar state passes NextTransitionTime through', async () => {
  ssmMock.on(GetCalendarStateCommand).resolves({
    State: 'CLOSED',
    AtTime: '2025-03-08T00:00:00Z',
    NextTransitionTime: '2025-03-10T06:00:00Z',
  });
  expect(await ssmCalendar(new SSMClient({})).state(['prod'])).toEqual({
    state: 'CLOSED',
    nextTransitionTime: '2025-03-10T06:00:00Z',
  });
  expect(ssmMock).toHaveReceivedCommandWith(GetCalendarStateCommand, { CalendarNames: ['prod'] });
});

describe('tags', () => {
  test('ARNs for the resource types remediations handle', () => {
    const r = { account: '123456789012', region: 'us-east-1' };
    expect(resourceArn({ ...r, resourceType: 'AWS::EC2::SecurityGroup', resourceId: 'sg-1' })).toBe(
      'arn:aws:ec2:us-east-1:123456789012:security-group/sg-1',
    );
    expect(resourceArn({ ...r, resourceType: 'AWS::S3::Bucket', resourceId: 'b' })).toBe('arn:aws:s3:::b');
    expect(resourceArn({ ...r, resourceType: 'AWS::Foo::Bar', resourceId: 'x' })).toBeUndefined();
  });
  test('reads tags by ARN; an unknown type cannot be read (fail closed)', async () => {
    taggingMock.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [{ ResourceARN: 'arn', Tags: [{ Key: 'remediation:skip', Value: 'yes' }] }],
    });
    const t = taggingApiTags(new ResourceGroupsTaggingAPIClient({}));
    expect(
      await t.tagsFor({
        account: '123456789012',
        region: 'us-east-1',
        resourceType: 'AWS::S3::Bucket',
        resourceId: 'b',
      }),
    ).toEqual({ 'remediation:skip': 'yes' });
    await expect(
      t.tagsFor({ account: '1', region: 'r', resourceType: 'AWS::Foo::Bar', resourceId: 'x' }),
    ).rejects.toThrow('no ARN mapping');
  });
});

const outcome: Outcome = {
  eventId: 'ev-1',
  outcome: 'started',
  reason: 'start Automation AWS-X <script>',
  remediation: 'restricted-ssh',
  family: 'config.noncompliant',
  resourceType: 'AWS::EC2::SecurityGroup',
  resourceId: 'sg-0a1b2c3d',
  account: '123456789012',
  region: 'us-east-1',
  mode: 'auto',
  actions: [],
  executionId: 'e-1',
  at: '2025-03-04T14:22:08.000Z',
};

test('SNS: structured JSON with MessageAttributes for subscription filters', async () => {
  snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
  await snsNotifier(new SNSClient({}), 'arn:aws:sns:us-east-1:123456789012:t').notify({
    outcome,
    title: 'Close SSH',
    consoleUrl: 'https://c',
  });
  const input = snsMock.commandCalls(PublishCommand)[0]!.args[0].input;
  expect(JSON.parse(input.Message!)).toMatchObject({
    remediation: 'restricted-ssh',
    resource: { id: 'sg-0a1b2c3d' },
    account: '123456789012',
    region: 'us-east-1',
    outcome: 'started',
    executionId: 'e-1',
    consoleUrl: 'https://c',
  });
  expect(input.MessageAttributes).toMatchObject({
    outcome: { DataType: 'String', StringValue: 'started' },
    remediation: { StringValue: 'restricted-ssh' },
  });
});

test('SNS: a Publish that fails is held in the outbox, and the outbox republishes it as it was', async () => {
  snsMock.on(PublishCommand).rejects(awsError('InternalError', 500));
  const held: string[] = [];
  const topic = 'arn:aws:sns:us-east-1:123456789012:t';
  await snsNotifier(new SNSClient({}), topic, {
    hold: async (p) => void held.push(JSON.stringify(p)),
  }).notify({ outcome, title: 'Close SSH' });
  expect(held).toHaveLength(1);
  // Without an outbox the failure surfaces (the fan-out logs it); with a failing outbox, both are named.
  await expect(snsNotifier(new SNSClient({}), topic).notify({ outcome, title: 't' })).rejects.toThrow();
  await expect(
    snsNotifier(new SNSClient({}), topic, {
      hold: async () => {
        throw new Error('queue gone');
      },
    }).notify({ outcome, title: 't' }),
  ).rejects.toThrow(/outbox failed too: queue gone/);
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
  const outbox = sqsOutbox(new SQSClient({}), 'https://q', new SNSClient({}), topic);
  await outbox.publish(held[0]!);
  const input = snsMock.commandCalls(PublishCommand)[0]!.args[0].input;
  expect(input.TopicArn).toBe(topic);
  expect(JSON.parse(input.Message!)).toMatchObject({ outcome: 'started', resource: { id: 'sg-0a1b2c3d' } });
  expect(input.MessageAttributes?.['outcome']).toEqual({ DataType: 'String', StringValue: 'started' });
});

test('SNS: a fan-out summary lists each resource with its outcome and code, for machines', async () => {
  snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
  const offline: Outcome = {
    ...outcome,
    outcome: 'skipped',
    code: 'agent-offline',
    resourceId: 'i-0abc',
    reason: 'SSM Agent on i-0abc is ConnectionLost',
  };
  await snsNotifier(new SNSClient({}), 'arn:aws:sns:us-east-1:123456789012:t').notify({
    outcome: offline,
    title: 'Patch fan-out: 1 finding(s), 0 command(s)',
    outcomes: [offline],
  });
  const message = JSON.parse(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Message!);
  expect(message.outcomes).toEqual([
    {
      resourceId: 'i-0abc',
      outcome: 'skipped',
      code: 'agent-offline',
      reason: offline.reason,
      executionId: 'e-1',
    },
  ]);
});

describe('Slack', () => {
  const secret = 'https://hooks.slack.com/services/T000/B000/SECRETSECRET';
  test('Block Kit message escapes what came from events and links the execution', () => {
    const m = slackMessage({ outcome, title: 'Close SSH', consoleUrl: 'https://console/x' });
    const text = JSON.stringify(m);
    expect(text).toContain('&lt;script&gt;');
    expect(text).not.toContain('<script>');
    expect(text).toContain('https://console/x');
    expect(escapeMrkdwn('a & <b>')).toBe('a &amp; &lt;b&gt;');
  });
  test('an error never carries the webhook URL', async () => {
    const down = slackNotifier(async () => secret, (async () => {
      throw new TypeError(`fetch failed ${secret}`);
    }) as typeof fetch);
    const err = await down.notify({ outcome, title: 't' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).not.toContain('hooks.slack.com');
    const http500 = slackNotifier(
      async () => secret,
      (async () => new Response('no', { status: 500 })) as typeof fetch,
    );
    await expect(http500.notify({ outcome, title: 't' })).rejects.toThrow('HTTP 500');
  });
  test('429: SlackRateLimited with the Retry-After seconds (delta or date; 1 s when absent)', async () => {
    const answer = (headers: Record<string, string>) =>
      (async () => new Response('rate_limited', { status: 429, headers })) as typeof fetch;
    const err = await postToSlack(secret, { text: 'x' }, answer({ 'retry-after': '30' })).catch((e) => e);
    expect(err).toBeInstanceOf(SlackRateLimited);
    expect((err as SlackRateLimited).retryAfterSeconds).toBe(30);
    expect((err as Error).message).not.toContain('hooks.slack.com');
    const bare = await postToSlack(secret, { text: 'x' }, answer({})).catch((e) => e);
    expect((bare as SlackRateLimited).retryAfterSeconds).toBe(1);
    const now = new Date('2026-01-01T00:00:00Z');
    expect(retryAfterSeconds('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5);
    expect(retryAfterSeconds('soon', now)).toBe(1);
    await expect(
      postToSlack(secret, { text: 'x' }, (async () => new Response('ok')) as typeof fetch),
    ).resolves.toBeUndefined();
  });
  test('no webhook configured: nothing is sent', async () => {
    let called = false;
    await slackNotifier(async () => undefined, (async () => {
      called = true;
      return new Response('ok');
    }) as typeof fetch).notify({ outcome, title: 't' });
    expect(called).toBe(false);
  });
});
