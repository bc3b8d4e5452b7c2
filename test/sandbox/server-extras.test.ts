// More of the sandbox front door: Slack receiver, TestEventPattern, wire shapes, AWS_ENDPOINT_URL, limits, faults.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  GetParameterCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { EventBridgeClient, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { ConfigServiceClient, GetComplianceDetailsByConfigRuleCommand } from '@aws-sdk/client-config-service';
import { startSandboxServer, type SandboxServer } from '../../sandbox/server.ts';
import { createClock } from '../../sandbox/clock.ts';
import { FaultController } from '../../sandbox/faults.ts';
import { PARAMETER_STORE_LIMITS, RateLimiter } from '../../sandbox/ratelimit.ts';
import { createParameterStore, parametersService } from '../../sandbox/services/parameters.ts';
import { createSnsService, type SnsService } from '../../sandbox/services/sns.ts';
import { createConfigService, type ConfigService } from '../../sandbox/services/config.ts';
import { createEventBridgeService } from '../../sandbox/services/eventbridge.ts';
import { createSlackReceiver, type SlackReceiver } from '../../sandbox/services/slack.ts';

// The shape of examples/events/config-rules-compliance-change-noncompliant.json (AWS-FACTS §1.1).
const configEvent = {
  version: '0',
  id: '3f2b8c1e-5d4a-4b6e-9c7f-1a2b3c4d5e6f',
  'detail-type': 'Config Rules Compliance Change',
  source: 'aws.config',
  account: '123456789012',
  time: '2025-03-04T14:22:07Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    resourceId: 'sg-0a1b2c3d4e5f67890',
    awsRegion: 'us-east-1',
    awsAccountId: '123456789012',
    configRuleName: 'restricted-ssh',
    recordVersion: '1.0',
    configRuleARN: 'arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc123',
    messageType: 'ComplianceChangeNotification',
    newEvaluationResult: {
      evaluationResultIdentifier: {
        evaluationResultQualifier: {
          configRuleName: 'restricted-ssh',
          resourceType: 'AWS::EC2::SecurityGroup',
          resourceId: 'sg-0a1b2c3d4e5f67890',
        },
        orderingTimestamp: '2025-03-04T14:21:55.118Z',
      },
      complianceType: 'NON_COMPLIANT',
      resultRecordedTime: '2025-03-04T14:22:06.402Z',
      configRuleInvokedTime: '2025-03-04T14:22:05.977Z',
    },
    oldEvaluationResult: {
      evaluationResultIdentifier: {
        evaluationResultQualifier: {
          configRuleName: 'restricted-ssh',
          resourceType: 'AWS::EC2::SecurityGroup',
          resourceId: 'sg-0a1b2c3d4e5f67890',
        },
        orderingTimestamp: '2025-03-01T09:10:12.501Z',
      },
      complianceType: 'COMPLIANT',
      resultRecordedTime: '2025-03-01T09:10:20.033Z',
      configRuleInvokedTime: '2025-03-01T09:10:19.640Z',
    },
    notificationCreationTime: '2025-03-04T14:22:07.315Z',
    resourceType: 'AWS::EC2::SecurityGroup',
  },
};

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';
const faults = new FaultController({ seed: 7 });
const clock = createClock({ virtual: true });
let server: SandboxServer;
let sns: SnsService;
let slack: SlackReceiver;
let config: ConfigService;

beforeAll(async () => {
  sns = createSnsService({ topics: ['t'] });
  slack = createSlackReceiver();
  config = createConfigService({ rules: ['restricted-ssh'] });
  server = await startSandboxServer({
    services: [parametersService(createParameterStore()), sns, config, createEventBridgeService()],
    slack,
    faults,
    // Rate limits refill on the clock: a virtual one holds still unless a test moves it, whatever the load.
    clock,
  });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => faults.clear());

const postSlack = (body: string, path = '/slack/T000/B000/XXX') =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('Slack incoming-webhook receiver', () => {
  test('keeps every message and answers ok like Slack', async () => {
    const res = await postSlack(JSON.stringify({ text: 'Remediated sg-1' }));
    expect([res.status, await res.text()]).toEqual([200, 'ok']);
    expect(slack.messages('/slack/T000/B000/XXX').map((m) => m.text)).toEqual(['Remediated sg-1']);
    const bad = await postSlack('{nope');
    expect([bad.status, await bad.text()]).toEqual([400, 'invalid_payload']);
    const empty = await postSlack('{}');
    expect([empty.status, await empty.text()]).toEqual([400, 'no_text']);
  });

  test('can be set down: HTTP 500, or the connection drops', async () => {
    const remove = faults.add({ target: 'slack', status: 500 });
    const res = await postSlack(JSON.stringify({ text: 'x' }));
    expect(res.status).toBe(500);
    remove();
    faults.add({ target: 'slack', mode: 'reset' });
    await expect(postSlack(JSON.stringify({ text: 'x' }))).rejects.toThrow();
    faults.clear();
    faults.add({ target: 'slack', mode: 'hang' });
    await expect(
      fetch(`${server.url}/slack/a`, {
        method: 'POST',
        body: '{"text":"x"}',
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow();
    expect(slack.messages().map((m) => m.text)).toEqual(['Remediated sg-1']);
    expect(server.calls.count('slack', 'PostMessage')).toBe(6);
  });
});

describe('EventBridge TestEventPattern (uses sandbox/eventbridge/pattern.ts)', () => {
  test('matches the Config compliance-change fixture; invalid patterns are InvalidEventPatternException', async () => {
    const client = new EventBridgeClient({ endpoint: server.url, region, credentials });
    const pattern = {
      source: ['aws.config'],
      'detail-type': ['Config Rules Compliance Change'],
      detail: { newEvaluationResult: { complianceType: ['NON_COMPLIANT'] } },
    };
    const yes = await client.send(
      new TestEventPatternCommand({
        EventPattern: JSON.stringify(pattern),
        Event: JSON.stringify(configEvent),
      }),
    );
    expect(yes.Result).toBe(true);
    const other = { ...pattern, source: ['aws.ssm'] };
    const no = await client.send(
      new TestEventPatternCommand({
        EventPattern: JSON.stringify(other),
        Event: JSON.stringify(configEvent),
      }),
    );
    expect(no.Result).toBe(false);
    await expect(
      client.send(
        new TestEventPatternCommand({
          EventPattern: '{"source":"aws.config"}',
          Event: JSON.stringify(configEvent),
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidEventPatternException' });
    await expect(
      client.send(
        new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: '{"source":"x"}' }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('wire shapes', () => {
  test('awsJson timestamps are epoch seconds', async () => {
    const ssm = new SSMClient({ endpoint: server.url, region, credentials });
    await ssm.send(new PutParameterCommand({ Name: 'ts', Value: 'v', Type: 'String' }));
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' },
      body: JSON.stringify({ Name: 'ts' }),
    });
    const body = (await res.json()) as { Parameter: { LastModifiedDate: unknown } };
    expect(typeof body.Parameter.LastModifiedDate).toBe('number');
    expect(Math.abs((body.Parameter.LastModifiedDate as number) - Date.now() / 1000)).toBeLessThan(60);
  });

  test('Query-protocol errors are an <ErrorResponse> document', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Anope&Message=x',
    });
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(
      /<ErrorResponse xmlns="http:\/\/sns.amazonaws.com\/doc\/2010-03-31\/"><Error><Type>Sender<\/Type><Code>NotFound<\/Code><Message>Topic does not exist<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>/,
    );
  });

  test('SNS over awsJson (if a later SDK switches protocol) is served too', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSimpleNotificationService.Publish',
      },
      body: JSON.stringify({
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
        Message: 'json',
        MessageAttributes: { a: { DataType: 'String', StringValue: 'b' } },
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ MessageId: expect.any(String) });
    expect(sns.messages().at(-1)).toMatchObject({
      Message: 'json',
      MessageAttributes: { a: { DataType: 'String', StringValue: 'b' } },
    });
  });

  test('clients find the sandbox through AWS_ENDPOINT_URL alone', async () => {
    const saved = process.env['AWS_ENDPOINT_URL'];
    process.env['AWS_ENDPOINT_URL'] = server.url;
    try {
      const ssm = new SSMClient({ region, credentials });
      await ssm.send(new PutParameterCommand({ Name: '/env/a', Value: '1', Type: 'String' }));
      await ssm.send(new PutParameterCommand({ Name: '/env/b/c', Value: '2', Type: 'StringList' }));
      const shallow = await ssm.send(new GetParametersByPathCommand({ Path: '/env' }));
      expect(shallow.Parameters?.map((p) => p.Name)).toEqual(['/env/a']);
      const deep = await ssm.send(new GetParametersByPathCommand({ Path: '/env', Recursive: true }));
      expect(deep.Parameters?.map((p) => p.Name)).toEqual(['/env/a', '/env/b/c']);
    } finally {
      if (saved === undefined) delete process.env['AWS_ENDPOINT_URL'];
      else process.env['AWS_ENDPOINT_URL'] = saved;
    }
  });
});

describe('Config GetComplianceDetailsByConfigRule', () => {
  test('lists recorded evaluations, filtered by compliance type', async () => {
    config.setCompliance(
      'restricted-ssh',
      { resourceType: 'AWS::EC2::SecurityGroup', resourceId: 'sg-a' },
      'NON_COMPLIANT',
    );
    config.setCompliance(
      'restricted-ssh',
      { resourceType: 'AWS::EC2::SecurityGroup', resourceId: 'sg-b' },
      'COMPLIANT',
    );
    config.evaluate();
    const client = new ConfigServiceClient({ endpoint: server.url, region, credentials });
    const out = await client.send(
      new GetComplianceDetailsByConfigRuleCommand({
        ConfigRuleName: 'restricted-ssh',
        ComplianceTypes: ['NON_COMPLIANT'],
      }),
    );
    expect(
      out.EvaluationResults?.map((r) => r.EvaluationResultIdentifier?.EvaluationResultQualifier?.ResourceId),
    ).toEqual(['sg-a']);
    await expect(
      client.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'nope' })),
    ).rejects.toMatchObject({
      name: 'NoSuchConfigRuleException',
    });
  });
});

describe('rate limits and faults', () => {
  test('Parameter Store default: 40 TPS shared by GetParameter and GetParameters', async () => {
    server.limiter.set(PARAMETER_STORE_LIMITS); // full buckets, whatever earlier tests took
    const ssm = new SSMClient({ endpoint: server.url, region, credentials, maxAttempts: 1 });
    await ssm.send(new PutParameterCommand({ Name: 'hot', Value: 'v', Type: 'String' }));
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, () => ssm.send(new GetParameterCommand({ Name: 'hot' }))),
    );
    const throttled = results.filter(
      (r) => r.status === 'rejected' && (r.reason as Error).name === 'ThrottlingException',
    );
    // Time stands still while the burst is served: exactly the bucket's 40 go through (the put was a
    // PutParameter, outside the bucket), however slow the machine.
    expect(throttled).toHaveLength(20);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(40);
    await clock.advance(500);
    const after = await Promise.allSettled(
      Array.from({ length: 30 }, () => ssm.send(new GetParameterCommand({ Name: 'hot' }))),
    );
    expect(after.filter((r) => r.status === 'fulfilled')).toHaveLength(20); // 40 TPS × 0.5 s
  });

  test('token bucket refills at rps', () => {
    let now = 0;
    const limiter = new RateLimiter({ 'ssm:SendCommand': { rps: 5, burst: 2 } }, () => now);
    expect([
      limiter.take('ssm', 'SendCommand'),
      limiter.take('ssm', 'SendCommand'),
      limiter.take('ssm', 'SendCommand'),
    ]).toEqual([true, true, false]);
    expect(limiter.take('ssm', 'GetParameter')).toBe(true);
    now += 200;
    expect([limiter.take('ssm', 'SendCommand'), limiter.take('ssm', 'SendCommand')]).toEqual([true, false]);
  });

  test('the same seed gives the same faults', () => {
    const run = (seed: number): boolean[] => {
      const f = new FaultController({ seed, rules: [{ target: 'ssm:*', errorRate: 0.3 }] });
      return Array.from({ length: 50 }, () => f.decide('ssm', 'SendCommand').failure !== undefined);
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
    expect(run(3).filter(Boolean).length).toBeGreaterThan(5);
  });

  test('a lost response: the call takes effect, the caller sees the fault (after: true)', async () => {
    await clock.advance(1000); // the 40 TPS bucket refills after the burst test
    const ssm = new SSMClient({ endpoint: server.url, region, credentials, maxAttempts: 1 });
    faults.add({ target: 'ssm:PutParameter', status: 500, after: true, times: 1 });
    await expect(
      ssm.send(new PutParameterCommand({ Name: 'lost-answer', Value: 'v1', Type: 'String' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    const got = await ssm.send(new GetParameterCommand({ Name: 'lost-answer' }));
    expect(got.Parameter?.Value).toBe('v1');
    // Before the call (the default), a failure leaves nothing behind.
    faults.add({ target: 'ssm:PutParameter', status: 500, times: 1 });
    await expect(
      ssm.send(new PutParameterCommand({ Name: 'never-put', Value: 'v1', Type: 'String' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    await expect(ssm.send(new GetParameterCommand({ Name: 'never-put' }))).rejects.toMatchObject({
      name: 'ParameterNotFound',
    });
  });

  test('latency is added before the operation runs', async () => {
    faults.add({ target: 'ssm:GetParameter', latencyMs: 150 });
    const ssm = new SSMClient({ endpoint: server.url, region, credentials });
    await clock.advance(1000); // the 40 TPS bucket refills after the burst test
    const started = Date.now();
    await ssm.send(new GetParameterCommand({ Name: 'hot' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
