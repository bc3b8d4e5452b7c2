/**
 * The real `remediate` bundle, deployed from the packaged template into the sandbox account, driven by the
 * Config compliance-change event on the default bus, talking to the sandbox through the real SDK over HTTP.
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxAccount } from '../../sandbox/account.ts';
import { dynamoLedger, ledgerDocumentClient } from '../../src/adapters/ledger-dynamodb.ts';
import { uuidV5 } from '../../src/core/token.ts';
import { clientToken } from '../../src/core/token.ts';
import {
  configEvent,
  decisions,
  executionsFor,
  knownSecurityGroup,
  startTestAccount,
  clientConfig,
} from '../helpers/sandbox.ts';

let acct: SandboxAccount;
let ssm: SSMClient;
let ddb: DynamoDBClient;

beforeAll(async () => {
  acct = await startTestAccount();
  ssm = new SSMClient(clientConfig(acct));
  ddb = new DynamoDBClient(clientConfig(acct));
});
afterAll(async () => {
  ssm?.destroy();
  ddb?.destroy();
  await acct?.close();
});
afterEach(async () => {
  acct.faults.clear();
  // Back to the stage's default calendar (seeded OPEN by the sandbox account).
  acct.lambda.updateEnvironment('remediate', { DEFAULT_CALENDARS: 'ssm-remediator-sandbox-changes' });
});

const ORDERING_TIME = '2025-03-04T14:21:55.118Z';

describe('remediate in the sandbox account', () => {
  it('deploys what the template declares', () => {
    const d = acct.deployed;
    expect(d.functions['remediate']?.name).toBe('ssm-remediator-sandbox-remediate');
    expect(d.functions['remediate']?.environment['LEDGER_TABLE']).toBe('ssm-remediator-sandbox-ledger');
    expect(d.functions['remediate']?.environment['DEAD_LETTER_QUEUE_URL']).toBe(
      acct.queueUrl('RejectedEventsQueue'),
    );
    expect(d.functions['remediate']?.environment['RESULTS_TOPIC_ARN']).toBe(d.topics['ResultsTopic']?.arn);
    expect(d.tables['LedgerTable']).toMatchObject({
      name: 'ssm-remediator-sandbox-ledger',
      ttlAttribute: 'ttl',
    });
    // The kill switch is not the stack's (absent = off): no deploy resets an operator's choice.
    expect(Object.values(d.parameters).map((p) => p.name)).not.toContain(
      '/ssm-remediator/sandbox/kill-switch',
    );
    const rule = Object.values(d.rules).find((r) =>
      r.targets.some((t) => t.arn === d.functions['remediate']?.arn),
    );
    expect(rule?.targets[0]).toMatchObject({
      retryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
      deadLetterArn: d.queues['EventTargetDeadLetterQueue']?.arn,
    });
    expect(acct.parameters.get('/ssm-remediator/sandbox/slack-webhook-url')).toMatchObject({
      type: 'SecureString',
    });
    // Slack's queue is subscribed, raw, to the results topic; notifySlack polls it.
    expect(d.subscriptions).toEqual([
      expect.objectContaining({
        logicalId: 'ResultsToSlackSubscription',
        topicArn: d.topics['ResultsTopic']?.arn,
        queueArn: d.queues['SlackQueue']?.arn,
        raw: true,
      }),
    ]);
    expect(d.eventSourceMappings.map((m) => m.eventSourceArn)).toContain(d.queues['SlackQueue']?.arn);
  });

  it('a Config finding starts exactly one tagged execution with the deterministic ClientToken, and reports to SNS and Slack', async () => {
    const sg = 'sg-0a1b2c3d4e5f67890';
    knownSecurityGroup(acct, sg);
    const event = configEvent(sg);
    acct.bus.put(event, { via: 'service' });
    await acct.bus.idle();

    const execs = executionsFor(acct, sg);
    expect(execs).toHaveLength(1);
    const exec = execs[0]!;
    expect(exec.DocumentName).toBe('AWS-DisablePublicAccessForSecurityGroup');
    expect(exec.Parameters['GroupId']).toEqual([sg]);
    expect(exec.clientToken).toBe(clientToken('restricted-ssh', sg, ORDERING_TIME));
    expect(exec.clientToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(exec.clientToken).not.toBe(uuidV5('something else'));
    expect(Object.fromEntries(exec.tags.map((t) => [t.Key, t.Value]))).toMatchObject({
      'ssm-remediator:remediation': 'restricted-ssh',
      'ssm-remediator:resource': sg,
      'ssm-remediator:event': event.id,
      'ssm-remediator:finding': expect.stringContaining(`config.noncompliant ${ORDERING_TIME} `),
    });
    // The start is announced (and, once `complete` sees the execution succeed, the verified fix).
    const sns = acct.sns
      .messages(acct.deployed.topics['ResultsTopic']!.arn)
      .filter((m) => m.Message.includes(sg));
    expect(sns.length).toBeGreaterThanOrEqual(1);
    expect(sns[0]?.Message).toContain(exec.AutomationExecutionId);
    // Slack gets them from its queue (notifySlack): every outcome, several of one remediation in one
    // batching window as one digest (its text ends "(N outcomes)").
    const slack = acct.slack.messages().filter((m) => JSON.stringify(m.payload).includes(sg));
    expect(slack.length).toBeGreaterThanOrEqual(1);
    const covered = slack.reduce((n, m) => n + Number(/\((\d+) outcomes\)$/.exec(m.text ?? '')?.[1] ?? 1), 0);
    expect(covered).toBe(sns.length);
    expect(acct.bus.fate(event.id)).toMatchObject({
      status: 'handled',
      rules: ['ssm-remediator-sandbox-remediate-rule-1'],
    });
    const inv = acct.lambda.invocations('remediate').find((i) => i.eventIds.includes(event.id));
    expect(inv).toMatchObject({ ok: true, trigger: 'event', attempt: 1 });
    // Powertools JSON lines, with the Lambda context injected.
    const decision = decisions(acct, sg)[0];
    expect(decision).toMatchObject({ outcome: 'started', function_name: 'ssm-remediator-sandbox-remediate' });
    expect(decision?.['function_request_id']).toBe(inv?.requestId);
  });

  it('the same event delivered three times still starts one execution', async () => {
    const sg = 'sg-00000000000000d01';
    knownSecurityGroup(acct, sg);
    const event = configEvent(sg);
    for (let i = 0; i < 3; i++) acct.bus.put(structuredClone(event), { via: 'service' });
    await acct.bus.idle();
    expect(executionsFor(acct, sg)).toHaveLength(1);
    expect(acct.lambda.invocations('remediate').filter((i) => i.eventIds.includes(event.id))).toHaveLength(3);
    expect(
      decisions(acct, sg)
        .map((d) => d['outcome'])
        .sort(),
    ).toEqual(['skipped', 'skipped', 'started']);
  });

  it('a malformed event lands in the rejected-events queue naming the field; a valid one beside it still runs', async () => {
    const sg = 'sg-00000000000000a02';
    knownSecurityGroup(acct, sg);
    const bad = configEvent('sg-00000000000000b02');
    delete (bad.detail as Record<string, unknown>)['resourceType'];
    const good = configEvent(sg);
    const before = acct.queueBodies('RejectedEventsQueue').length;
    acct.bus.put(bad, { via: 'service' });
    acct.bus.put(good, { via: 'service' });
    await acct.bus.idle();

    const rejected = acct.queueBodies('RejectedEventsQueue').slice(before) as Array<{
      field: string;
      reason: string;
      event: { id: string };
    }>;
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.event.id).toBe(bad.id);
    expect(rejected[0]?.field).toMatch(/resourceType/);
    const msg = acct.sqs.messages(acct.queueUrl('RejectedEventsQueue')).at(-1);
    expect(msg?.MessageAttributes['field']?.StringValue).toMatch(/resourceType/);
    expect(executionsFor(acct, sg)).toHaveLength(1);
    expect(executionsFor(acct, 'sg-00000000000000b02')).toHaveLength(0);
  });

  it('kill switch on (PutParameter): skipped, no execution', async () => {
    const sg = 'sg-00000000000000c03';
    knownSecurityGroup(acct, sg);
    // The function caches switches for SWITCHES_CACHE_SECONDS (30 s wall time): no cache in this test.
    acct.lambda.updateEnvironment('remediate', { SWITCHES_CACHE_SECONDS: '0' });
    const name = '/ssm-remediator/sandbox/kill-switch';
    await ssm.send(new PutParameterCommand({ Name: name, Value: 'on', Type: 'String', Overwrite: true }));
    try {
      acct.bus.put(configEvent(sg), { via: 'service' });
      await acct.bus.idle();
      expect(executionsFor(acct, sg)).toHaveLength(0);
      expect(decisions(acct, sg)[0]).toMatchObject({ outcome: 'skipped', code: 'kill-switch' });
    } finally {
      await ssm.send(new PutParameterCommand({ Name: name, Value: 'off', Type: 'String', Overwrite: true }));
    }
  });

  it('a closed change calendar defers: no execution', async () => {
    const sg = 'sg-00000000000000c04';
    knownSecurityGroup(acct, sg);
    const now = acct.clock.now();
    acct.ssm.addFreeze(
      'sandbox-freeze',
      new Date(now.getTime() - 3_600_000),
      new Date(now.getTime() + 7 * 86_400_000),
    );
    acct.lambda.updateEnvironment('remediate', { DEFAULT_CALENDARS: 'sandbox-freeze' });
    acct.bus.put(configEvent(sg), { via: 'service' });
    await acct.bus.idle();
    expect(executionsFor(acct, sg)).toHaveLength(0);
    expect(decisions(acct, sg)[0]).toMatchObject({ outcome: 'deferred', code: 'calendar-closed' });
  });

  it('a failing calendar API defers (fail closed) and never calls StartAutomationExecution', async () => {
    const sg = 'sg-00000000000000f05';
    knownSecurityGroup(acct, sg);
    acct.ssm.addCalendar('sandbox-open', { type: 'DEFAULT_OPEN', events: [] });
    acct.lambda.updateEnvironment('remediate', { DEFAULT_CALENDARS: 'sandbox-open' });
    acct.faults.add({ target: 'ssm:GetCalendarState', status: 500, code: 'InternalServerError' });
    const starts = acct.calls.count('ssm', 'StartAutomationExecution');
    const calendarCalls = acct.calls.count('ssm', 'GetCalendarState');
    acct.bus.put(configEvent(sg), { via: 'service' });
    await acct.bus.idle();
    expect(acct.calls.count('ssm', 'GetCalendarState')).toBeGreaterThan(calendarCalls);
    expect(acct.calls.count('ssm', 'StartAutomationExecution')).toBe(starts);
    expect(decisions(acct, sg)[0]).toMatchObject({ outcome: 'deferred', code: 'gate-unreadable' });

    // Held in the ledger, not only logged; once the calendar answers and the next try is due (moved
    // into the past here: the bundles run on wall-clock time), the reconcile sweep releases it.
    const ledger = dynamoLedger(ledgerDocumentClient(ddb), { tableName: 'ssm-remediator-sandbox-ledger' });
    const held = (await ledger.listDeferrals()).find((d) => d.resourceId === sg);
    expect(held).toMatchObject({ code: 'gate-unreadable', remediationId: 'restricted-ssh', attempts: 1 });
    acct.faults.clear();
    await ddb.send(
      new UpdateItemCommand({
        TableName: 'ssm-remediator-sandbox-ledger',
        Key: { pk: { S: `DEFER#restricted-ssh#${sg}` }, sk: { S: 'DEFER' } },
        UpdateExpression: 'SET nextTryAt = :due',
        ExpressionAttributeValues: { ':due': { S: '2000-01-01T00:00:00.000Z' } },
      }),
    );
    const sweep = await acct.invoke('reconcile', {
      version: '0',
      id: 'sweep-held',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      detail: {},
    });
    expect(sweep.error).toBeUndefined();
    // The sweep's summary lists what it acted on; work still waiting (e.g. behind a freeze) is only counted.
    expect(sweep.payload).toMatchObject({
      deferrals: [{ remediation: 'restricted-ssh', resourceId: sg, result: 'already-compliant' }],
      waiting: expect.any(Number),
    });
    // The account's Config already reports the group COMPLIANT (knownSecurityGroup): the release
    // re-checks before acting, so it ends, recorded, and nothing runs.
    expect((await ledger.listDeferrals()).some((d) => d.resourceId === sg)).toBe(false);
    const released = acct.logs
      .json('reconcile')
      .find((l) => l['message'] === 'outcome' && l['resourceId'] === sg);
    expect(released).toMatchObject({ outcome: 'skipped', code: 'already-compliant' });
    expect(executionsFor(acct, sg)).toHaveLength(0);
  });

  it('Slack down for ten minutes: the execution still starts, the post is retried from the queue, and the webhook URL is in no log line', async () => {
    const sg = 'sg-00000000000000e06';
    knownSecurityGroup(acct, sg);
    const slackUp = acct.faults.add({ target: 'slack', status: 500 });
    acct.clock.after(10 * 60_000, slackUp);
    const slackBefore = acct.slack.messages().length;
    const failedBefore = acct.calls.count('slack', 'PostMessage');
    acct.bus.put(configEvent(sg), { via: 'service' });
    await acct.bus.idle();
    expect(executionsFor(acct, sg)).toHaveLength(1);
    expect(acct.sns.messages().filter((m) => m.Message.includes(sg)).length).toBeGreaterThanOrEqual(1);
    // Refused while Slack was down, posted once it was back: nothing lost, the remediation never waited.
    expect(acct.calls.count('slack', 'PostMessage') - failedBefore).toBeGreaterThan(
      acct.slack.messages().length - slackBefore,
    );
    expect(
      acct.slack
        .messages()
        .slice(slackBefore)
        .filter((m) => JSON.stringify(m.payload).includes(sg)).length,
    ).toBeGreaterThanOrEqual(1);
    const text = acct.logs.text();
    const failure = acct.logs
      .json('notifySlack')
      .find((l) => l['level'] === 'WARN' && /Slack post failed/.test(String(l['message'])));
    expect(failure).toMatchObject({ error: 'Slack webhook answered HTTP 500' });
    expect(text).not.toContain(acct.slackWebhookUrl);
    expect(text).not.toContain(acct.slackWebhookUrl.split('/').at(-1)!);
  });
});
