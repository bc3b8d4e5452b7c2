/**
 * Mode `approve` through the engine in-process: the real ledger and approvals store on dynalite, real
 * adapters over mocked SSM/SNS clients. A finding that would act is held and asked once; approved, it
 * acts with the approver on the execution's tags; rejected or timed out, it ends with nothing started.
 */
import {
  DescribeInstanceInformationCommand,
  GetCalendarStateCommand,
  GetParametersCommand,
  SSMClient,
  StartAutomationExecutionCommand,
} from '@aws-sdk/client-ssm';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import entries from 'virtual:runbooks';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { dynamoApprovals } from '../../src/adapters/approvals-dynamodb.ts';
import { ssmAutomation } from '../../src/adapters/automation-ssm.ts';
import { ssmCalendar } from '../../src/adapters/calendar-ssm.ts';
import { ssmCommands } from '../../src/adapters/commands-ssm.ts';
import { sqsDeadLetter } from '../../src/adapters/dead-letter-sqs.ts';
import { ssmFleet } from '../../src/adapters/fleet-ssm.ts';
import { snsNotifier } from '../../src/adapters/notifier-sns.ts';
import { parameterStoreSwitches } from '../../src/adapters/switches-parameter-store.ts';
import { taggingApiTags } from '../../src/adapters/tags-tagging-api.ts';
import { TAG_FINDING } from '../../src/core/act-plan.ts';
import { approvalStep } from '../../src/core/approval-release.ts';
import type { ReconcileDeps } from '../../src/core/reconcile.ts';
import { handleEvent, type EngineDeps } from '../../src/core/engine.ts';
import { DEFAULT_LIMITS } from '../../src/core/gates.ts';
import { createRegistry } from '../../src/core/registry.ts';
import type { LogPort } from '../../src/ports/index.ts';
import { startLedger, type StartedLedger } from '../helpers/dynalite.ts';
import { exampleEvent, variant } from '../helpers/events.ts';

const ssmMock = mockClient(SSMClient);
const snsMock = mockClient(SNSClient);
const sqsMock = mockClient(SQSClient);
const tagMock = mockClient(ResourceGroupsTaggingAPIClient);
let db: StartedLedger;

beforeAll(async () => {
  db = await startLedger();
});
afterAll(async () => db.close());

beforeEach(() => {
  for (const m of [ssmMock, snsMock, sqsMock, tagMock]) m.reset();
  ssmMock.on(GetParametersCommand).resolves({
    Parameters: [
      { Name: '/ssm-remediator/test/kill-switch', Value: 'off' },
      { Name: '/ssm-remediator/test/mode/restricted-ssh', Value: 'approve' },
    ],
  });
  ssmMock.on(GetCalendarStateCommand).resolves({ State: 'OPEN' });
  ssmMock.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
  ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: 'exec-approved-1' });
  tagMock.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'q-1' });
});

const quiet: LogPort = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
} as unknown as LogPort;

function deps(now: string): EngineDeps {
  const ssm = new SSMClient({ region: 'us-east-1' });
  return {
    registry: createRegistry(entries),
    config: {
      stage: 'test',
      defaultCalendars: ['prod-change-freeze'],
      limits: DEFAULT_LIMITS,
      settings: { 'restricted-ssh': { approvalTimeout: '30m' } },
      home: { account: '123456789012', region: 'us-east-1' },
    },
    switches: parameterStoreSwitches(ssm, '/ssm-remediator/test', 0),
    tags: taggingApiTags(new ResourceGroupsTaggingAPIClient({ region: 'us-east-1' })),
    calendar: ssmCalendar(ssm),
    fleet: ssmFleet(ssm),
    automation: ssmAutomation(ssm),
    commands: ssmCommands(ssm),
    ledger: db.ledger,
    notifier: snsNotifier(
      new SNSClient({ region: 'us-east-1' }),
      'arn:aws:sns:us-east-1:123456789012:results',
    ),
    deadLetter: sqsDeadLetter(
      new SQSClient({ region: 'us-east-1' }),
      'https://sqs.us-east-1.amazonaws.com/1/rejected',
    ),
    log: quiet,
    now: () => new Date(now),
    approvals: dynamoApprovals(db.client, db.tableName),
  };
}

let n = 0;
function configEvent() {
  n++;
  const id = `sg-${(0xa000 + n).toString(16).padStart(17, '0')}`;
  return variant(exampleEvent('config-rules-compliance-change-noncompliant'), (v) => {
    v.id = `evt-approve-${n}`;
    v.detail.resourceId = id;
    (
      v.detail.newEvaluationResult as {
        evaluationResultIdentifier: { evaluationResultQualifier: { resourceId: string } };
      }
    ).evaluationResultIdentifier.evaluationResultQualifier.resourceId = id;
  });
}

const T0 = '2025-03-04T14:22:10Z';

test('held and asked once; approved, it acts once with the approver on the tags and in the outcome', async () => {
  const event = configEvent();
  const [held] = await handleEvent(event, deps(T0));
  expect(held).toMatchObject({ outcome: 'deferred', code: 'approval', mode: 'approve' });
  expect(held!.approvalId).toMatch(/^ap-[0-9a-f]{20}$/);
  expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 0);
  // The request keeps the plan; the notification carries it (the Slack message's buttons and plan).
  const approvals = dynamoApprovals(db.client, db.tableName);
  const request = await approvals.get(held!.approvalId!);
  expect(request).toMatchObject({ state: 'pending', expiresAt: '2025-03-04T14:52:10.000Z' });
  expect(request!.actions[0]).toMatchObject({
    kind: 'startAutomation',
    document: 'AWS-DisablePublicAccessForSecurityGroup',
  });
  const published = JSON.parse(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Message!);
  expect(published).toMatchObject({ code: 'approval', approvalId: held!.approvalId });
  expect(published.plan[0].document).toBe('AWS-DisablePublicAccessForSecurityGroup');
  // Held durably, so convergence counts it pending.
  const deferrals = await db.ledger.listDeferrals();
  expect(deferrals.find((d) => d.resourceId === event.detail.resourceId)).toMatchObject({ code: 'approval' });
  expect((await approvals.listPending()).map((a) => a.id)).toContain(held!.approvalId);

  // A redelivery does not ask twice.
  const [again] = await handleEvent(event, deps('2025-03-04T14:25:00Z'));
  expect(again).toMatchObject({ outcome: 'skipped', code: 'duplicate' });

  // Approved once; a second decision (a replay) is refused by the conditional write.
  expect(
    await approvals.decide(
      held!.approvalId!,
      'approved',
      'slack:U0SANDBOX1',
      new Date('2025-03-04T14:30:00Z'),
    ),
  ).toBe(true);
  expect(
    await approvals.decide(
      held!.approvalId!,
      'rejected',
      'slack:U0SANDBOX2',
      new Date('2025-03-04T14:31:00Z'),
    ),
  ).toBe(false);
  expect((await approvals.listPending()).map((a) => a.id)).not.toContain(held!.approvalId);

  const [acted] = await handleEvent(event, deps('2025-03-04T14:32:00Z'));
  expect(acted).toMatchObject({
    outcome: 'started',
    approvedBy: 'slack:U0SANDBOX1',
    executionId: 'exec-approved-1',
  });
  expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 1);
  const tags = ssmMock.commandCalls(StartAutomationExecutionCommand)[0]!.args[0].input.Tags!;
  expect(tags.length).toBeLessThanOrEqual(5);
  expect(tags.find((t) => t.Key === TAG_FINDING)!.Value).toContain('approved-by=slack:U0SANDBOX1');

  // And once only: the claim holds.
  const [dup] = await handleEvent(event, deps('2025-03-04T14:33:00Z'));
  expect(dup).toMatchObject({ outcome: 'skipped', code: 'duplicate' });
  expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 1);
});

test('rejected: skipped, naming who; timed out: skipped approval-timeout; nothing started', async () => {
  const approvals = dynamoApprovals(db.client, db.tableName);
  const rejected = configEvent();
  const [a] = await handleEvent(rejected, deps(T0));
  await approvals.decide(a!.approvalId!, 'rejected', 'slack:U0SANDBOX2', new Date('2025-03-04T14:30:00Z'));
  // A redelivery reads the ending (the reconcile sweep ends the held finding and announces it).
  const [r] = await handleEvent(rejected, deps('2025-03-04T14:31:00Z'));
  expect(r).toMatchObject({ outcome: 'skipped', code: 'duplicate' });
  expect(r!.reason).toContain('rejected-by');
  expect(r!.reason).toContain('slack:U0SANDBOX2');

  const late = configEvent();
  await handleEvent(late, deps(T0));
  const [t] = await handleEvent(late, deps('2025-03-04T15:00:00Z'));
  expect(t).toMatchObject({ outcome: 'skipped', code: 'duplicate' });
  expect(t!.reason).toContain('approval-timeout');
  expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 0);
});

/** What the results topic was told, by code, for one resource. */
const announced = (resourceId: string, code: string) =>
  snsMock
    .commandCalls(PublishCommand)
    .map((c) => JSON.parse(c.args[0].input.Message!) as { code?: string; resource?: { id?: string } })
    .filter((m) => m.code === code && m.resource?.id === resourceId).length;

/** The reconcile sweep's step for the finding's held work (src/core/approval-release.ts). */
async function sweep(resourceId: string, now: string) {
  const held = (await db.ledger.listDeferrals()).find((d) => d.resourceId === resourceId);
  if (!held) return undefined;
  const rdeps = { ...deps(now), options: { deferralLeaseSeconds: 60 } } as unknown as ReconcileDeps;
  return approvalStep(held, rdeps, new Date(now));
}

test('a redelivery after a reject or a timeout, before or after the sweep, is a quiet duplicate: the ending is announced once', async () => {
  const approvals = dynamoApprovals(db.client, db.tableName);
  for (const order of ['sweep first', 'redelivery first'] as const) {
    // Rejected.
    const rejected = configEvent();
    const id = rejected.detail.resourceId as string;
    const [a] = await handleEvent(rejected, deps(T0));
    await approvals.decide(a!.approvalId!, 'rejected', 'slack:U0SANDBOX2', new Date('2025-03-04T14:30:00Z'));
    if (order === 'sweep first')
      expect(await sweep(id, '2025-03-04T14:31:00Z')).toMatchObject({ result: 'released' });
    const [again] = await handleEvent(rejected, deps('2025-03-04T14:32:00Z'));
    if (order === 'redelivery first')
      expect(await sweep(id, '2025-03-04T14:33:00Z')).toMatchObject({ result: 'released' });
    expect(await sweep(id, '2025-03-04T14:34:00Z')).toBeUndefined();
    expect(announced(id, 'rejected-by'), order).toBe(1);
    expect(again).toMatchObject({ outcome: 'skipped', code: 'duplicate' });

    // Timed out (30 min).
    const late = configEvent();
    const lid = late.detail.resourceId as string;
    await handleEvent(late, deps(T0));
    if (order === 'sweep first')
      expect(await sweep(lid, '2025-03-04T15:00:00Z')).toMatchObject({ result: 'released' });
    const [later] = await handleEvent(late, deps('2025-03-04T15:01:00Z'));
    if (order === 'redelivery first')
      expect(await sweep(lid, '2025-03-04T15:02:00Z')).toMatchObject({ result: 'released' });
    expect(announced(lid, 'approval-timeout'), order).toBe(1);
    expect(later).toMatchObject({ outcome: 'skipped', code: 'duplicate' });
  }
  expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 0);
});

test('the hold’s write fails after the request was kept: the retry holds the work and asks again with the same request', async () => {
  const event = configEvent();
  const d = deps(T0);
  let failures = 1;
  const ledger = {
    ...db.ledger,
    recordDeferral: async (rec: Parameters<typeof db.ledger.recordDeferral>[0]) => {
      if (failures-- > 0)
        throw Object.assign(new Error('the ledger refused the write'), { name: 'InternalServerError' });
      return db.ledger.recordDeferral(rec);
    },
  };
  await expect(handleEvent(event, { ...d, ledger })).rejects.toThrow(/could not hold restricted-ssh/);
  const approvals = dynamoApprovals(db.client, db.tableName);
  const pending = await approvals.listPending();
  const asked = pending.find((a) => a.resourceId === event.detail.resourceId)!;
  expect(asked.state).toBe('pending');
  expect((await db.ledger.listDeferrals()).some((x) => x.resourceId === event.detail.resourceId)).toBe(false);
  expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 0);

  // Lambda's retry: the request is pending but nothing holds the work, so it is held and asked again.
  const [held] = await handleEvent(event, { ...deps('2025-03-04T14:23:00Z'), ledger });
  expect(held).toMatchObject({ outcome: 'deferred', code: 'approval', approvalId: asked.id });
  expect(await approvals.get(asked.id)).toMatchObject({ expiresAt: asked.expiresAt, state: 'pending' });
  expect(
    (await db.ledger.listDeferrals()).find((x) => x.resourceId === event.detail.resourceId),
  ).toMatchObject({
    code: 'approval',
  });
  expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);

  // Now held: a further redelivery is the quiet duplicate.
  const [again] = await handleEvent(event, deps('2025-03-04T14:24:00Z'));
  expect(again).toMatchObject({ outcome: 'skipped', code: 'duplicate' });
  expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 0);
});
