/**
 * The engine end to end in-process: real adapters over mocked SDK clients (aws-sdk-client-mock),
 * the real ledger on dynalite, and the real Powertools logger writing JSON lines we capture.
 */
import {
  GetCalendarStateCommand,
  GetParametersCommand,
  DescribeInstanceInformationCommand,
  SSMClient,
  StartAutomationExecutionCommand,
} from '@aws-sdk/client-ssm';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import entries from 'virtual:runbooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ssmAutomation } from '../../src/adapters/automation-ssm.ts';
import { ssmCalendar } from '../../src/adapters/calendar-ssm.ts';
import { ssmCommands } from '../../src/adapters/commands-ssm.ts';
import { sqsDeadLetter } from '../../src/adapters/dead-letter-sqs.ts';
import { ssmFleet } from '../../src/adapters/fleet-ssm.ts';
import { logPort } from '../../src/adapters/logger.ts';
import { fanoutNotifier } from '../../src/adapters/notifier-fanout.ts';
import { slackNotifier } from '../../src/adapters/notifier-slack.ts';
import { snsNotifier } from '../../src/adapters/notifier-sns.ts';
import { parameterStoreSwitches } from '../../src/adapters/switches-parameter-store.ts';
import { taggingApiTags } from '../../src/adapters/tags-tagging-api.ts';
import { handleEvent, TAG_REMEDIATION, TAG_RESOURCE, type EngineDeps } from '../../src/core/engine.ts';
import { DEFAULT_LIMITS } from '../../src/core/gates.ts';
import { createRegistry } from '../../src/core/registry.ts';
import { clientToken } from '../../src/core/token.ts';
import { startLedger, type StartedLedger } from '../helpers/dynalite.ts';
import { exampleEvent, variant } from '../helpers/events.ts';

const WEBHOOK = 'https://hooks.slack.com/services/T0AAAA/B0BBBB/xoxSECRETwebhookTOKEN';
const ssmMock = mockClient(SSMClient);
const snsMock = mockClient(SNSClient);
const sqsMock = mockClient(SQSClient);
const tagMock = mockClient(ResourceGroupsTaggingAPIClient);

let db: StartedLedger;
let lines: string[];
let slackCalls: number;
let slackUp: boolean;

beforeAll(async () => {
  db = await startLedger();
});
afterAll(async () => db.close());

function openAccount() {
  ssmMock.reset();
  snsMock.reset();
  sqsMock.reset();
  tagMock.reset();
  ssmMock
    .on(GetParametersCommand)
    .resolves({ Parameters: [{ Name: '/ssm-remediator/test/kill-switch', Value: 'off' }] });
  ssmMock.on(GetCalendarStateCommand).resolves({ State: 'OPEN', NextTransitionTime: '2025-03-14T22:00:00Z' });
  ssmMock.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
  ssmMock
    .on(StartAutomationExecutionCommand)
    .resolves({ AutomationExecutionId: '11111111-2222-3333-4444-555555555555' });
  tagMock.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'q-1' });
}

function deps(overrides: Partial<EngineDeps> = {}): EngineDeps {
  lines = [];
  const logger = new Logger({
    serviceName: 'ssm-remediator',
    logLevel: 'DEBUG',
    logRecordOrder: ['level', 'message'],
  });
  // Capture exactly what Powertools would print to CloudWatch.
  (
    logger as unknown as {
      console: {
        info: (s: string) => void;
        warn: (s: string) => void;
        error: (s: string) => void;
        debug: (s: string) => void;
      };
    }
  ).console = {
    info: (s) => lines.push(s),
    warn: (s) => lines.push(s),
    error: (s) => lines.push(s),
    debug: (s) => lines.push(s),
  };
  const log = logPort(logger);
  const ssm = new SSMClient({ region: 'us-east-1' });
  const fetchImpl = (async () => {
    slackCalls++;
    if (!slackUp) throw new TypeError(`fetch failed: connect ECONNREFUSED for ${WEBHOOK}`);
    return new Response('ok');
  }) as typeof fetch;
  return {
    registry: createRegistry(entries),
    config: {
      stage: 'test',
      defaultCalendars: ['prod-change-freeze'],
      limits: DEFAULT_LIMITS,
      settings: {},
      home: { account: '123456789012', region: 'us-east-1' },
    },
    switches: parameterStoreSwitches(ssm, '/ssm-remediator/test', 0),
    tags: taggingApiTags(new ResourceGroupsTaggingAPIClient({ region: 'us-east-1' })),
    calendar: ssmCalendar(ssm),
    fleet: ssmFleet(ssm),
    automation: ssmAutomation(ssm),
    commands: ssmCommands(ssm),
    ledger: db.ledger,
    notifier: fanoutNotifier(
      {
        sns: snsNotifier(
          new SNSClient({ region: 'us-east-1' }),
          'arn:aws:sns:us-east-1:123456789012:results',
        ),
        slack: slackNotifier(async () => WEBHOOK, fetchImpl),
      },
      log,
    ),
    deadLetter: sqsDeadLetter(
      new SQSClient({ region: 'us-east-1' }),
      'https://sqs.us-east-1.amazonaws.com/123456789012/rejected',
    ),
    log,
    now: () => new Date('2025-03-04T14:22:10Z'),
    ...overrides,
  };
}

/** A Config finding on a fresh resource each time, so tests do not share ledger claims. */
let n = 0;
function configEvent() {
  n++;
  const id = `sg-${n.toString(16).padStart(17, '0')}`;
  return variant(exampleEvent('config-rules-compliance-change-noncompliant'), (v) => {
    v.id = `evt-${n}`;
    v.detail.resourceId = id;
    const q = (
      v.detail.newEvaluationResult as {
        evaluationResultIdentifier: { evaluationResultQualifier: { resourceId: string } };
      }
    ).evaluationResultIdentifier.evaluationResultQualifier;
    q.resourceId = id;
  });
}

beforeEach(() => {
  openAccount();
  slackCalls = 0;
  slackUp = true;
});
afterEach(() => {
  // The webhook URL is a secret: it must never reach a log line, whatever happened in the test.
  for (const l of lines) expect(l).not.toContain('hooks.slack.com');
});

describe('the Config path', () => {
  test('NON_COMPLIANT → StartAutomationExecution with the deterministic ClientToken and tags → SNS and Slack', async () => {
    const event = configEvent();
    const [o] = await handleEvent(event, deps());
    expect(o).toMatchObject({
      outcome: 'started',
      remediation: 'restricted-ssh',
      executionId: '11111111-2222-3333-4444-555555555555',
    });
    expect(ssmMock).toHaveReceivedCommandWith(StartAutomationExecutionCommand, {
      DocumentName: 'AWS-DisablePublicAccessForSecurityGroup',
      Parameters: { GroupId: [event.detail.resourceId as string] },
      ClientToken: clientToken(
        'restricted-ssh',
        event.detail.resourceId as string,
        '2025-03-04T14:21:55.118Z',
      ),
      Tags: expect.arrayContaining([
        { Key: TAG_REMEDIATION, Value: 'restricted-ssh' },
        { Key: TAG_RESOURCE, Value: event.detail.resourceId },
      ]),
    });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(slackCalls).toBe(1);
    const decision = lines.map((l) => JSON.parse(l)).find((l) => l.message === 'decision');
    expect(decision).toMatchObject({
      findingEventId: event.id,
      remediation: 'restricted-ssh',
      resourceId: event.detail.resourceId,
      outcome: 'started',
    });
  });

  test('the same event delivered again: the ledger claim stops a second StartAutomationExecution', async () => {
    const event = configEvent();
    await handleEvent(event, deps());
    const [again] = await handleEvent(structuredClone(event), deps());
    expect(again).toMatchObject({ outcome: 'skipped', code: 'duplicate' });
    expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 1);
  });

  test('the same event twice, even with its claim lost, carries the same ClientToken (SSM dedupes)', async () => {
    const event = configEvent();
    await handleEvent(event, deps());
    const other = await startLedger();
    try {
      await handleEvent(structuredClone(event), deps({ ledger: other.ledger }));
    } finally {
      await other.close();
    }
    const tokens = ssmMock
      .commandCalls(StartAutomationExecutionCommand)
      .map((c) => c.args[0].input.ClientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBe(tokens[1]);
  });

  test('calendar API error → deferred, and no StartAutomationExecution is sent', async () => {
    ssmMock
      .on(GetCalendarStateCommand)
      .rejects(Object.assign(new Error('boom'), { name: 'InternalServerError' }));
    const [o] = await handleEvent(configEvent(), deps());
    expect(o).toMatchObject({ outcome: 'deferred', code: 'gate-unreadable' });
    expect(o!.reason).toContain('change calendar could not be read');
    expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 0);
  });

  test('calendar CLOSED → deferred with NextTransitionTime, recorded for release, nothing started', async () => {
    ssmMock
      .on(GetCalendarStateCommand)
      .resolves({ State: 'CLOSED', NextTransitionTime: '2025-03-10T06:00:00Z' });
    const event = configEvent();
    const [o] = await handleEvent(event, deps());
    expect(o).toMatchObject({
      outcome: 'deferred',
      code: 'calendar-closed',
      nextTransitionTime: '2025-03-10T06:00:00Z',
    });
    expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 0);
    const deferrals = await db.ledger.listDeferrals();
    expect(deferrals.some((d) => d.resourceId === event.detail.resourceId)).toBe(true);
  });

  test('kill switch unreadable (Parameter Store throttled) → deferred, nothing acts', async () => {
    ssmMock
      .on(GetParametersCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const [o] = await handleEvent(configEvent(), deps());
    expect(o).toMatchObject({ outcome: 'deferred', code: 'gate-unreadable' });
    expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 0);
  });

  test('kill switch on → skipped, nothing acts', async () => {
    ssmMock
      .on(GetParametersCommand)
      .resolves({ Parameters: [{ Name: '/ssm-remediator/test/kill-switch', Value: 'on' }] });
    const [o] = await handleEvent(configEvent(), deps());
    expect(o).toMatchObject({ outcome: 'skipped', code: 'kill-switch' });
    expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 0);
  });

  test('shadow mode from Parameter Store → skipped: shadow, the plan reported, nothing started', async () => {
    ssmMock.on(GetParametersCommand).resolves({
      Parameters: [
        { Name: '/ssm-remediator/test/kill-switch', Value: 'off' },
        { Name: '/ssm-remediator/test/mode/restricted-ssh', Value: 'shadow' },
      ],
    });
    const [o] = await handleEvent(configEvent(), deps());
    expect(o).toMatchObject({ outcome: 'skipped', code: 'shadow' });
    expect(o!.actions).toEqual([
      expect.objectContaining({
        kind: 'startAutomation',
        document: 'AWS-DisablePublicAccessForSecurityGroup',
      }),
    ]);
    expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 0);
  });

  test('opt-out tag → skipped with its reason in the notification', async () => {
    tagMock.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [
        {
          ResourceARN: 'a',
          Tags: [{ Key: 'remediation:skip', Value: '2099-01-01 bastion for vendor VPN' }],
        },
      ],
    });
    const [o] = await handleEvent(configEvent(), deps());
    expect(o).toMatchObject({ outcome: 'skipped', code: 'opted-out' });
    expect(JSON.parse(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Message!).reason).toContain(
      'bastion for vendor VPN',
    );
  });

  test('Slack down → the execution still starts, SNS still gets it, and the failure is logged without the URL', async () => {
    slackUp = false;
    const [o] = await handleEvent(configEvent(), deps());
    expect(o!.outcome).toBe('started');
    expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 1);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    const failure = lines.map((l) => JSON.parse(l)).find((l) => l.message === 'notification channel failed');
    expect(failure).toMatchObject({ channel: 'slack', level: 'ERROR' });
    expect(failure.error).toContain('Slack webhook unreachable');
  });

  test('a non-retryable StartAutomationExecution error → failed outcome, reported', async () => {
    ssmMock
      .on(StartAutomationExecutionCommand)
      .rejects(
        Object.assign(new Error('no such document'), { name: 'AutomationDefinitionNotFoundException' }),
      );
    const event = configEvent();
    const [o] = await handleEvent(event, deps());
    expect(o).toMatchObject({ outcome: 'failed', code: 'api-error' });
    expect(o!.reason).toContain('AutomationDefinitionNotFoundException');
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    const held = await db.ledger.listDeferrals();
    expect(held.some((d) => d.resourceId === event.detail.resourceId)).toBe(false);
  });

  test('throttling past the retries releases the claim and holds the work in the ledger, not a failure', async () => {
    ssmMock
      .on(StartAutomationExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const event = configEvent();
    const [held] = await handleEvent(event, deps());
    expect(held).toMatchObject({ outcome: 'deferred', code: 'transient-error' });
    expect(held!.reason).toContain('ThrottlingException');
    const item = (await db.ledger.listDeferrals()).find((d) => d.resourceId === event.detail.resourceId);
    expect(item).toMatchObject({ code: 'transient-error', attempts: 1 });
    ssmMock
      .on(StartAutomationExecutionCommand)
      .resolves({ AutomationExecutionId: '11111111-2222-3333-4444-555555555555' });
    const [o] = await handleEvent(event, deps());
    expect(o!.outcome).toBe('started');
  });

  test("SSM's execution quota (AutomationExecutionLimitExceededException) holds the work; it is not failed", async () => {
    ssmMock.on(StartAutomationExecutionCommand).rejects(
      Object.assign(new Error('100 running, 1000 queued'), {
        name: 'AutomationExecutionLimitExceededException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const event = configEvent();
    const [o] = await handleEvent(event, deps());
    expect(o).toMatchObject({ outcome: 'deferred', code: 'transient-error' });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 0);
    const item = (await db.ledger.listDeferrals()).find((d) => d.resourceId === event.detail.resourceId);
    expect(item?.heldReason).toContain('AutomationExecutionLimitExceededException');
  });
});

type Cfg = ReturnType<typeof configEvent>;
/** The same event, consistently, from another account or region. */
const otherAccount = (v: Cfg) => {
  v.account = v.detail.awsAccountId = '210987654321';
  v.detail.configRuleARN = String(v.detail.configRuleARN).replace('123456789012', '210987654321');
};
const otherRegion = (v: Cfg) => {
  v.region = v.detail.awsRegion = 'eu-west-1';
  v.detail.configRuleARN = String(v.detail.configRuleARN).replace('us-east-1', 'eu-west-1');
};

describe('malformed events', () => {
  test.each([
    [
      'missing detail',
      (v: ReturnType<typeof configEvent>) => delete (v as Record<string, unknown>).detail,
      'detail',
    ],
    [
      'unknown complianceType',
      (v: ReturnType<typeof configEvent>) =>
        ((v.detail.newEvaluationResult as Record<string, unknown>).complianceType = 'SORT_OF'),
      'detail.newEvaluationResult.complianceType',
    ],
    [
      'a resource id carrying shell characters',
      (v: ReturnType<typeof configEvent>) => (v.detail.resourceId = 'sg-1; curl x|sh'),
      'detail.resourceId',
    ],
    // Strict envelopes (issue 12): another account or region than the deployment's, or a detail that disagrees.
    ['an event from another account', (v: Cfg) => otherAccount(v), 'account'],
    ['an event from another region', (v: Cfg) => otherRegion(v), 'region'],
    [
      'a detail naming another account',
      (v: Cfg) => (v.detail.awsAccountId = '210987654321'),
      'detail.awsAccountId',
    ],
    ['a detail naming another region', (v: Cfg) => (v.detail.awsRegion = 'eu-west-1'), 'detail.awsRegion'],
    [
      'a rule ARN in another partition',
      (v: Cfg) =>
        (v.detail.configRuleARN = String(v.detail.configRuleARN).replace('arn:aws:', 'arn:aws-cn:')),
      'detail.configRuleARN',
    ],
  ])(
    '%s → rejected naming the field, logged, dead-lettered, nothing started',
    async (_name, mutate, field) => {
      const bad = variant(configEvent(), mutate);
      const [o] = await handleEvent(bad, deps());
      expect(o).toMatchObject({ outcome: 'rejected', code: 'invalid-event', field });
      expect(o!.reason).toContain(field);
      expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 0);
      const dl = sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input;
      expect(JSON.parse(dl.MessageBody!)).toMatchObject({ field, event: expect.any(Object) });
      expect(lines.some((l) => l.includes('"event rejected"') && l.includes(field))).toBe(true);
    },
  );

  test('an account-level Config finding (AWS::::Account) ends skipped: no-match, not dead-lettered', async () => {
    const [o] = await handleEvent(exampleEvent('config-rules-compliance-change-account-level'), deps());
    expect(o).toMatchObject({ outcome: 'skipped', code: 'no-match', resourceId: '123456789012' });
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 0);
  });

  test('a valid event handled beside a rejected one still runs', async () => {
    const bad = variant(configEvent(), (v) => (v.detail.resourceId = '$(reboot)'));
    const good = configEvent();
    const results = await Promise.all([handleEvent(bad, deps()), handleEvent(good, deps())]);
    expect(results.map((r) => r[0]!.outcome)).toEqual(['rejected', 'started']);
  });
});
