/**
 * The sandbox's delivery machinery with the real bundles: Lambda's async retries and on-failure destination,
 * EventBridge target retries and dead-letter queue, SQS event-source mappings (batches, partial failures,
 * redrive), and `remediator send` through the real EventBridge client.
 */
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxAccount } from '../../sandbox/account.ts';
import { sendCommand } from '../../src/cli/sandbox.ts';
import {
  configEvent,
  executionsFor,
  knownSecurityGroup,
  startTestAccount,
  clientConfig,
} from '../helpers/sandbox.ts';

let acct: SandboxAccount;
let sqs: SQSClient;
const tmp = mkdtempSync(join(tmpdir(), 'sandbox-delivery-'));

beforeAll(async () => {
  acct = await startTestAccount();
  sqs = new SQSClient(clientConfig(acct));
});
afterAll(async () => {
  sqs?.destroy();
  await acct?.close();
  rmSync(tmp, { recursive: true, force: true });
});
afterEach(() => acct.faults.clear());

describe('sandbox delivery', () => {
  it('a handler that throws is retried twice by Lambda (1 then 2 minutes apart), then the failure destination holds it', async () => {
    // The rejected-events queue refusing writes makes the handler throw (it will not lose a rejected event).
    acct.faults.add({ target: 'sqs:SendMessage', status: 500, code: 'InternalError' });
    const bad = configEvent('sg-00000000000000b10');
    delete (bad.detail as Record<string, unknown>)['resourceType'];
    acct.bus.put(bad, { via: 'service' });
    await acct.bus.idle();

    const invs = acct.lambda.invocations('remediate').filter((i) => i.eventIds.includes(bad.id));
    expect(invs.map((i) => [i.attempt, i.ok])).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
    expect(new Set(invs.map((i) => i.requestId)).size).toBe(1);
    const gap = (a: number, b: number): number => invs[b]!.startedAt.getTime() - invs[a]!.endedAt!.getTime();
    expect(gap(0, 1)).toBeGreaterThanOrEqual(60_000);
    expect(gap(1, 2)).toBeGreaterThanOrEqual(120_000);
    const records = acct.queueBodies('FailedInvocationsQueue') as Array<Record<string, unknown>>;
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      version: '1.0',
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { id: bad.id },
      responseContext: { functionError: 'Unhandled' },
    });
    expect(acct.bus.fate(bad.id)?.status).toBe('failed');
    expect(
      acct.logs
        .json('remediate')
        .some((l) => l['level'] === 'ERROR' && l['function_request_id'] === invs[0]!.requestId),
    ).toBe(true);
  });

  it('a target EventBridge cannot reach is retried per its RetryPolicy, then dead-lettered with AWS attributes', async () => {
    acct.faults.add({
      target: 'delivery:lambda',
      status: 500,
      code: 'InternalException',
      message: 'Lambda unavailable',
    });
    const event = configEvent('sg-00000000000000d11');
    acct.bus.put(event, { via: 'service' });
    await acct.bus.idle();
    const fate = acct.bus.fate(event.id);
    expect(fate?.status).toBe('dead-lettered');
    expect(fate?.deliveries[0]?.deliveryAttempts).toBe(11);
    const dlq = acct.sqs.messages(acct.queueUrl('EventTargetDeadLetterQueue'));
    expect(dlq).toHaveLength(1);
    expect(JSON.parse(dlq[0]!.Body)).toMatchObject({ id: event.id });
    expect(dlq[0]!.MessageAttributes['EXHAUSTED_RETRY_CONDITION']?.StringValue).toBe(
      'MaximumRetryAttemptsExhausted',
    );
    expect(dlq[0]!.MessageAttributes['RULE_ARN']?.StringValue).toContain(
      ':rule/ssm-remediator-sandbox-remediate-rule-1',
    );
    expect(acct.lambda.invocations('remediate').filter((i) => i.eventIds.includes(event.id))).toHaveLength(0);
  });

  it('an SQS event-source mapping batches, honours partial batch responses, and redrives a poison message', async () => {
    const dir = join(tmp, 'batch');
    writeFileSync(join(tmp, 'package.json'), '{"type":"module"}');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'index.mjs'),
      `export const handler = async (event, context) => {
        console.log(JSON.stringify({ message: 'batch', size: event.Records.length, fn: context.functionName,
          hasTime: context.getRemainingTimeInMillis() > 0, endpoint: process.env.AWS_ENDPOINT_URL }));
        return { batchItemFailures: event.Records.filter((r) => r.body.includes('poison')).map((r) => ({ itemIdentifier: r.messageId })) };
      };`,
    );
    acct.lambda.register({
      name: 'sandbox-test-batch',
      shortName: 'batch',
      logicalId: 'BatchLambdaFunction',
      arn: 'arn:aws:lambda:us-east-1:123456789012:function:sandbox-test-batch',
      handler: 'batch/index.handler',
      codeDir: tmp,
      environment: {},
      timeoutSeconds: 10,
      memoryMb: 128,
      runtime: 'nodejs22.x',
    });
    const dlq = acct.sqs.createQueue('sandbox-test-dlq');
    const work = acct.sqs.createQueue('sandbox-test-work', {
      VisibilityTimeout: '30',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    acct.bus.addEventSourceMapping({
      uuid: 'test-mapping',
      functionName: 'sandbox-test-batch',
      eventSourceArn: work.arn,
      batchSize: 5,
      maximumBatchingWindowInSeconds: 20,
      functionResponseTypes: ['ReportBatchItemFailures'],
      enabled: true,
    });
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: work.url,
        Entries: Array.from({ length: 6 }, (_, i) => ({
          Id: `m${i}`,
          MessageBody: i === 3 ? 'poison' : `ok-${i}`,
        })),
      }),
    );
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: work.url,
        MessageBody: 'ok-attrs',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'test' } },
      }),
    );
    await acct.bus.idle();

    const invs = acct.lambda.invocations('sandbox-test-batch');
    expect(invs.every((i) => i.ok)).toBe(true);
    const sizes = acct.logs.json('sandbox-test-batch').map((l) => l['size'] as number);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(5);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(7 + 1); // the poison message is received twice
    expect(acct.logs.json('sandbox-test-batch')[0]).toMatchObject({
      fn: 'sandbox-test-batch',
      hasTime: true,
      endpoint: acct.url,
    });
    expect(acct.sqs.pending(work.arn)).toHaveLength(0);
    expect(acct.sqs.messages(dlq.arn).map((m) => m.Body)).toEqual(['poison']);
    expect(acct.sqs.messages(work.arn).filter((m) => m.deletedAt)).toHaveLength(6);
  });

  it('a batch is not handed out again while its (slow) invocation still runs', async () => {
    // Functions run in wall time, the queue's visibility timeout on the sim clock (x600): 300 ms of
    // work is 3 simulated minutes, far past this queue's 30 s. On AWS the function ends within the
    // visibility timeout, so each message must still reach the function exactly once.
    const dir = join(tmp, 'slow');
    writeFileSync(join(tmp, 'package.json'), '{"type":"module"}');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'index.mjs'),
      `export const handler = async (event) => {
        console.log(JSON.stringify({ message: 'slow', bodies: event.Records.map((r) => r.body) }));
        await new Promise((r) => setTimeout(r, 300));
        return { batchItemFailures: [] };
      };`,
    );
    acct.lambda.register({
      name: 'sandbox-test-slow',
      shortName: 'slow',
      logicalId: 'SlowLambdaFunction',
      arn: 'arn:aws:lambda:us-east-1:123456789012:function:sandbox-test-slow',
      handler: 'slow/index.handler',
      codeDir: tmp,
      environment: {},
      timeoutSeconds: 10,
      memoryMb: 128,
      runtime: 'nodejs22.x',
    });
    const work = acct.sqs.createQueue('sandbox-test-slow-work', { VisibilityTimeout: '30' });
    acct.bus.addEventSourceMapping({
      uuid: 'slow-mapping',
      functionName: 'sandbox-test-slow',
      eventSourceArn: work.arn,
      batchSize: 2,
      maximumBatchingWindowInSeconds: 0,
      functionResponseTypes: ['ReportBatchItemFailures'],
      enabled: true,
    });
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: work.url,
        Entries: Array.from({ length: 4 }, (_, i) => ({ Id: `s${i}`, MessageBody: `slow-${i}` })),
      }),
    );
    await acct.bus.idle();
    const bodies = acct.logs.json('sandbox-test-slow').flatMap((l) => l['bodies'] as string[]);
    expect(bodies.sort()).toEqual(['slow-0', 'slow-1', 'slow-2', 'slow-3']);
    expect(acct.sqs.pending(work.arn)).toHaveLength(0);
  });

  it('remediator send: PutEvents through the real SDK reaches the rules', async () => {
    const sg = 'sg-00000000000000e12';
    knownSecurityGroup(acct, sg);
    const file = join(tmp, 'event.json');
    writeFileSync(file, JSON.stringify(configEvent(sg)));
    const out: string[] = [];
    const err: string[] = [];
    const code = await sendCommand([file, '--endpoint', acct.url], {
      out: (s) => out.push(s),
      err: (s) => err.push(s),
      env: {},
    });
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out[0]).toMatch(/event id [0-9a-f-]{36}/);
    await acct.bus.idle();
    expect(executionsFor(acct, sg)).toHaveLength(1);
    expect(acct.events.events().at(-1)?.event.source).toBe('aws.config');
    expect(
      acct.bus
        .fates()
        .filter((f) => f.via === 'put-events')
        .at(-1)?.status,
    ).toBe('handled');
  });
});
