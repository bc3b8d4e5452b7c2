// The simulated SSM Automation: ClientToken idempotency, the 100 running / 1,000 queued quota,
// status progression on the sim clock and the events AWS emits for it.
import { beforeEach, describe, expect, test } from 'vitest';
import { createClock, type SimClock } from '../../sandbox/clock.ts';
import { createSsmService, type SsmState } from '../../sandbox/ssm/index.ts';
import type { BusEvent, ServiceDef } from '../../sandbox/types.ts';
import { operationCaller, type Out } from '../helpers/ssm-sim.ts';

const START = new Date('2025-03-04T14:23:31Z');

let clock: SimClock;
let def: ServiceDef;
let state: SsmState;
let events: BusEvent[];

const { call, callError } = operationCaller(() => def);
const execution = async (id: string): Promise<Out> =>
  (await call('GetAutomationExecution', { AutomationExecutionId: id })).AutomationExecution as Out;
const statusEvents = (): BusEvent[] =>
  events.filter((e) => e['detail-type'] === 'EC2 Automation Execution Status-change Notification');

const SG_PARAMS = { GroupId: ['sg-0123456789abcdef0'] };

beforeEach(() => {
  clock = createClock({ manual: true, start: START });
  events = [];
  let seed = 1;
  ({ def, state } = createSsmService({
    clock,
    events: { emit: (e) => events.push(e) },
    account: '123456789012',
    region: 'us-east-1',
    rng: () => (seed = (seed * 16807) % 2147483647) / 2147483647,
  }));
});

describe('ClientToken', () => {
  const token = '8E1C6D2A-3B4F-4A5C-9D6E-7F8091A2B3C4';

  test('same token and same parameters return the same execution, case-insensitively', async () => {
    const a = await call('StartAutomationExecution', {
      DocumentName: 'AWS-DisablePublicAccessForSecurityGroup',
      Parameters: SG_PARAMS,
      ClientToken: token,
    });
    const b = await call('StartAutomationExecution', {
      DocumentName: 'AWS-DisablePublicAccessForSecurityGroup',
      Parameters: SG_PARAMS,
      ClientToken: token.toLowerCase(),
    });
    expect(b.AutomationExecutionId).toBe(a.AutomationExecutionId);
    expect(state.listAutomationExecutions()).toHaveLength(1);
  });

  test('same token with different parameters is IdempotentParameterMismatch', async () => {
    await call('StartAutomationExecution', {
      DocumentName: 'AWS-DisablePublicAccessForSecurityGroup',
      Parameters: SG_PARAMS,
      ClientToken: token,
    });
    const err = await callError('StartAutomationExecution', {
      DocumentName: 'AWS-DisablePublicAccessForSecurityGroup',
      Parameters: { GroupId: ['sg-0fedcba9876543210'] },
      ClientToken: token,
    });
    expect(err.code).toBe('IdempotentParameterMismatch');
  });

  test('a token that is not a UUID is rejected', async () => {
    const err = await callError('StartAutomationExecution', {
      DocumentName: 'AWS-DisablePublicAccessForSecurityGroup',
      Parameters: SG_PARAMS,
      ClientToken: 'retry-1',
    });
    expect(err.code).toBe('ValidationException');
  });
});

describe('StartAutomationExecution validation', () => {
  test('unknown document or a Command document is AutomationDefinitionNotFoundException', async () => {
    expect((await callError('StartAutomationExecution', { DocumentName: 'NoSuchRunbook' })).code).toBe(
      'AutomationDefinitionNotFoundException',
    );
    expect(
      (
        await callError('StartAutomationExecution', {
          DocumentName: 'AWS-RunPatchBaseline',
          Parameters: { Operation: ['Scan'] },
        })
      ).code,
    ).toBe('AutomationDefinitionNotFoundException');
  });

  test.each([
    ['undeclared parameter', { ...SG_PARAMS, Foo: ['bar'] }],
    ['missing required parameter', {}],
    ['allowedPattern violation', { GroupId: ['sg-0123; rm -rf /'] }],
    ['allowedValues violation (via another runbook)', null],
  ])('%s → InvalidAutomationExecutionParametersException', async (_name, params) => {
    const input =
      params === null
        ? {
            DocumentName: 'AWS-ConfigureS3BucketVersioning',
            Parameters: { BucketName: ['b'], VersioningState: ['On'] },
          }
        : { DocumentName: 'AWS-DisablePublicAccessForSecurityGroup', Parameters: params };
    expect((await callError('StartAutomationExecution', input)).code).toBe(
      'InvalidAutomationExecutionParametersException',
    );
  });

  test('more than 5 tags at start is rejected', async () => {
    const Tags = Array.from({ length: 6 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expect(
      (
        await callError('StartAutomationExecution', {
          DocumentName: 'AWS-DisablePublicAccessForSecurityGroup',
          Parameters: SG_PARAMS,
          Tags,
        })
      ).code,
    ).toBe('ValidationException');
  });

  test('defaults are filled into Parameters', async () => {
    const { AutomationExecutionId } = await call('StartAutomationExecution', {
      DocumentName: 'AWS-EnableS3BucketEncryption',
      Parameters: { BucketName: ['logs'] },
    });
    const exec = await execution(String(AutomationExecutionId));
    expect(exec.Parameters).toEqual({
      BucketName: ['logs'],
      SSEAlgorithm: ['AES256'],
      AutomationAssumeRole: [''],
    });
  });
});

describe('quota: 100 running, 1,000 queued', () => {
  test('the 101st execution stays Pending, the 1,101st is refused, and the queue drains as slots free', async () => {
    state.setAutomationDurations({ startMs: 1_000, runMs: 60_000 });
    const ids: string[] = [];
    for (let i = 0; i < 1100; i++) {
      const out = await call('StartAutomationExecution', {
        DocumentName: 'AWS-DisableS3BucketPublicReadWrite',
        Parameters: { S3BucketName: [`b-${i}`] },
      });
      ids.push(String(out.AutomationExecutionId));
    }
    const err = await callError('StartAutomationExecution', {
      DocumentName: 'AWS-DisableS3BucketPublicReadWrite',
      Parameters: { S3BucketName: ['one-too-many'] },
    });
    expect(err.code).toBe('AutomationExecutionLimitExceededException');

    await clock.advance(2_000);
    expect((await execution(ids[99] ?? '')).AutomationExecutionStatus).toBe('InProgress');
    expect((await execution(ids[100] ?? '')).AutomationExecutionStatus).toBe('Pending');
    expect(state.automations.counts()).toEqual({ running: 100, queued: 1000 });

    await clock.advance(60_000);
    expect((await execution(ids[0] ?? '')).AutomationExecutionStatus).toBe('Success');
    expect((await execution(ids[100] ?? '')).AutomationExecutionStatus).toBe('InProgress');
    expect(state.automations.counts().queued).toBe(900);
    // Room in the queue again.
    await call('StartAutomationExecution', {
      DocumentName: 'AWS-DisableS3BucketPublicReadWrite',
      Parameters: { S3BucketName: ['now-fits'] },
    });
  });
});

describe('status progression and events', () => {
  test('Pending → InProgress → Success with AWS-shaped events', async () => {
    state.setAutomationDurations({ startMs: 1_000, runMs: 15_000 });
    const finished: string[] = [];
    state.onAutomationFinished((e) => finished.push(`${e.AutomationExecutionId}:${e.status}`));
    const { AutomationExecutionId } = await call('StartAutomationExecution', {
      DocumentName: 'AWS-DisablePublicAccessForSecurityGroup',
      Parameters: SG_PARAMS,
      Tags: [{ Key: 'remediation:resource', Value: 'sg-0123456789abcdef0' }],
    });
    const id = String(AutomationExecutionId);
    expect((await execution(id)).AutomationExecutionStatus).toBe('Pending');
    await clock.advance(1_000);
    const running = await execution(id);
    expect(running.AutomationExecutionStatus).toBe('InProgress');
    expect(running.ExecutionStartTime).toBe(START.getTime() / 1000 + 1);
    await clock.advance(15_000);
    const done = await execution(id);
    expect(done.AutomationExecutionStatus).toBe('Success');
    expect(done.ExecutionEndTime).toBe(START.getTime() / 1000 + 16);
    expect((done.StepExecutions as Out[]).map((s) => [s.StepName, s.Action, s.StepStatus])).toEqual([
      ['DisableIncomingSSHTemplate', 'aws:executeAwsApi', 'Success'],
      ['DisableIncomingRDPTemplate', 'aws:executeAwsApi', 'Success'],
    ]);
    expect(finished).toEqual([`${id}:Success`]);

    const evs = statusEvents();
    expect(evs.map((e) => e.detail.Status)).toEqual(['Pending', 'InProgress', 'Success']);
    const last = evs[2];
    expect(last).toMatchObject({
      version: '0',
      source: 'aws.ssm',
      account: '123456789012',
      region: 'us-east-1',
      time: '2025-03-04T14:23:47Z',
      resources: [
        `arn:aws:ssm:us-east-1:123456789012:automation-execution/${id}`,
        'arn:aws:ssm:us-east-1:123456789012:automation-definition/AWS-DisablePublicAccessForSecurityGroup:1',
      ],
      detail: {
        ExecutionId: id,
        Definition: 'AWS-DisablePublicAccessForSecurityGroup',
        DefinitionVersion: 1,
        Status: 'Success',
        StartTime: 'Mar 4, 2025 2:23:32 PM',
        EndTime: 'Mar 4, 2025 2:23:47 PM',
        Time: 15000,
      },
    });
    expect(last?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(evs[0]?.detail).not.toHaveProperty('EndTime');

    // DescribeAutomationExecutions by tag key and status.
    const described = await call('DescribeAutomationExecutions', {
      Filters: [
        { Key: 'TagKey', Values: ['remediation:resource'] },
        { Key: 'ExecutionStatus', Values: ['Success'] },
      ],
    });
    expect((described.AutomationExecutionMetadataList as Out[]).map((m) => m.AutomationExecutionId)).toEqual([
      id,
    ]);
  });

  test('an outcome rule fails the named step with a FailureMessage', async () => {
    state.setAutomationOutcome({
      document: 'AWS-DisablePublicAccessForSecurityGroup',
      parameterMatch: { GroupId: 'sg-0badbadbadbadbad0' },
      outcome: 'Failed',
      failedStep: 'DisableIncomingSSHTemplate',
      failureMessage: 'InvalidPermission.NotFound',
    });
    const ok = await call('StartAutomationExecution', {
      DocumentName: 'AWS-DisablePublicAccessForSecurityGroup',
      Parameters: SG_PARAMS,
    });
    const bad = await call('StartAutomationExecution', {
      DocumentName: 'AWS-DisablePublicAccessForSecurityGroup',
      Parameters: { GroupId: ['sg-0badbadbadbadbad0'] },
    });
    await clock.advance(60_000);
    expect((await execution(String(ok.AutomationExecutionId))).AutomationExecutionStatus).toBe('Success');
    const failed = await execution(String(bad.AutomationExecutionId));
    expect(failed.AutomationExecutionStatus).toBe('Failed');
    expect(String(failed.FailureMessage)).toContain('InvalidPermission.NotFound');
    expect((failed.StepExecutions as Out[]).map((s) => [s.StepName, s.StepStatus])).toEqual([
      ['DisableIncomingSSHTemplate', 'Failed'],
    ]);
    const failEvent = statusEvents().find(
      (e) => e.detail.ExecutionId === bad.AutomationExecutionId && e.detail.Status === 'Failed',
    );
    expect(failEvent).toBeDefined();
  });

  test('StopAutomationExecution cancels; unknown ids are AutomationExecutionNotFoundException', async () => {
    const { AutomationExecutionId } = await call('StartAutomationExecution', {
      DocumentName: 'AWS-DisablePublicAccessForSecurityGroup',
      Parameters: SG_PARAMS,
    });
    await clock.advance(2_000);
    await call('StopAutomationExecution', { AutomationExecutionId });
    expect((await execution(String(AutomationExecutionId))).AutomationExecutionStatus).toBe('Cancelling');
    await clock.advance(5_000);
    expect((await execution(String(AutomationExecutionId))).AutomationExecutionStatus).toBe('Cancelled');
    expect(
      (
        await callError('GetAutomationExecution', {
          AutomationExecutionId: '00000000-0000-4000-8000-000000000000',
        })
      ).code,
    ).toBe('AutomationExecutionNotFoundException');
  });

  test('DescribeAutomationExecutions pages with MaxResults 1–50', async () => {
    for (let i = 0; i < 7; i++)
      await call('StartAutomationExecution', {
        DocumentName: 'AWS-DisableS3BucketPublicReadWrite',
        Parameters: { S3BucketName: [`b${i}`] },
      });
    const seen: unknown[] = [];
    let NextToken: unknown;
    do {
      const page = await call('DescribeAutomationExecutions', { MaxResults: 3, NextToken });
      seen.push(...(page.AutomationExecutionMetadataList as Out[]).map((m) => m.AutomationExecutionId));
      NextToken = page.NextToken;
    } while (NextToken);
    expect(new Set(seen).size).toBe(7);
    expect((await callError('DescribeAutomationExecutions', { MaxResults: 51 })).code).toBe(
      'ValidationException',
    );
    expect((await callError('DescribeAutomationExecutions', { NextToken: 'garbage' })).code).toBe(
      'InvalidNextToken',
    );
  });
});
