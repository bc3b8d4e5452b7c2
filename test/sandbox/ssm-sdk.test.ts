// The simulated SSM through the real @aws-sdk/client-ssm over HTTP (sandbox server front door):
// wire shapes (epoch-second timestamps → Date), modelled error classes, paging helpers, and the
// Parameter Store operations merged into the same service.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AutomationDefinitionNotFoundException,
  GetAutomationExecutionCommand,
  GetCalendarStateCommand,
  GetCommandInvocationCommand,
  GetParameterCommand,
  IdempotentParameterMismatch,
  InvalidParameters,
  InvocationDoesNotExist,
  PutParameterCommand,
  SendCommandCommand,
  SSMClient,
  StartAutomationExecutionCommand,
  paginateDescribeInstanceInformation,
} from '@aws-sdk/client-ssm';
import { createClock } from '../../sandbox/clock.ts';
import { startSandboxServer, type SandboxServer } from '../../sandbox/server.ts';
import { createParameterStore, parameterOperations } from '../../sandbox/services/parameters.ts';
import { createSsmService } from '../../sandbox/ssm/index.ts';
import type { BusEvent } from '../../sandbox/types.ts';

const START = new Date('2025-03-04T14:23:31Z');
const clock = createClock({ manual: true, start: START });
const events: BusEvent[] = [];
const { def, state } = createSsmService({
  clock,
  events: { emit: (e) => events.push(e) },
  account: '123456789012',
  region: 'us-east-1',
  extraOperations: parameterOperations(createParameterStore()),
});
let server: SandboxServer;
let ssm: SSMClient;

beforeAll(async () => {
  server = await startSandboxServer({ services: [def], limits: {} });
  ssm = new SSMClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  for (let i = 1; i <= 55; i++) state.addInstance({ InstanceId: `i-${i.toString(16).padStart(17, '0')}` });
  state.setPingStatus('i-00000000000000001', 'ConnectionLost');
});
afterAll(async () => {
  ssm.destroy();
  await server.close();
});

describe('@aws-sdk/client-ssm against the sandbox', () => {
  test('DescribeInstanceInformation paginator walks all 55 instances; LastPingDateTime is a Date', async () => {
    const ids: string[] = [];
    for await (const page of paginateDescribeInstanceInformation({ client: ssm, pageSize: 50 }, {})) {
      for (const i of page.InstanceInformationList ?? []) {
        ids.push(i.InstanceId ?? '');
        expect(i.LastPingDateTime).toBeInstanceOf(Date);
      }
    }
    expect(ids).toHaveLength(55);
  });

  test('automation: start, idempotent retry, mismatch, and Dates in GetAutomationExecution', async () => {
    const input = {
      DocumentName: 'AWS-DisablePublicAccessForSecurityGroup',
      Parameters: { GroupId: ['sg-0123456789abcdef0'] },
      ClientToken: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
    };
    const a = await ssm.send(new StartAutomationExecutionCommand(input));
    const b = await ssm.send(new StartAutomationExecutionCommand(input));
    expect(b.AutomationExecutionId).toBe(a.AutomationExecutionId);
    await expect(
      ssm.send(
        new StartAutomationExecutionCommand({ ...input, Parameters: { GroupId: ['sg-0fedcba9876543210'] } }),
      ),
    ).rejects.toBeInstanceOf(IdempotentParameterMismatch);
    await expect(
      ssm.send(new StartAutomationExecutionCommand({ DocumentName: 'Nope-Runbook' })),
    ).rejects.toBeInstanceOf(AutomationDefinitionNotFoundException);
    await clock.advance(60_000);
    const got = await ssm.send(
      new GetAutomationExecutionCommand({ AutomationExecutionId: a.AutomationExecutionId }),
    );
    expect(got.AutomationExecution?.AutomationExecutionStatus).toBe('Success');
    expect(got.AutomationExecution?.ExecutionStartTime).toEqual(new Date(START.getTime() + 1_000));
    expect(got.AutomationExecution?.ExecutionEndTime).toBeInstanceOf(Date);
    const finalEvent = events.find(
      (e) => e.detail.ExecutionId === a.AutomationExecutionId && e.detail.Status === 'Success',
    );
    expect(finalEvent?.detail.StartTime).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/);
  });

  test('run command: InvalidParameters, InvocationDoesNotExist then Success', async () => {
    await expect(
      ssm.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunPatchBaseline',
          InstanceIds: ['i-00000000000000002'],
          Parameters: { Operation: ['Upgrade'] },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameters);
    const sent = await ssm.send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: ['i-00000000000000002'],
        Parameters: { commands: ['uptime'] },
      }),
    );
    const CommandId = sent.Command?.CommandId;
    expect(sent.Command?.Status).toBe('Pending');
    expect(sent.Command?.RequestedDateTime).toBeInstanceOf(Date);
    await expect(
      ssm.send(new GetCommandInvocationCommand({ CommandId, InstanceId: 'i-00000000000000002' })),
    ).rejects.toBeInstanceOf(InvocationDoesNotExist);
    await clock.advance(30_000);
    const inv = await ssm.send(
      new GetCommandInvocationCommand({ CommandId, InstanceId: 'i-00000000000000002' }),
    );
    expect(inv).toMatchObject({ Status: 'Success', ResponseCode: 0, PluginName: 'aws:runShellScript' });
  });

  test('GetCalendarState and merged Parameter Store operations', async () => {
    state.addFreeze(
      'sdk-freeze',
      new Date(clock.now().getTime() + 3_600_000),
      new Date(clock.now().getTime() + 7_200_000),
    );
    const s = await ssm.send(new GetCalendarStateCommand({ CalendarNames: ['sdk-freeze'] }));
    expect(s.State).toBe('OPEN');
    expect(s.NextTransitionTime).toBe(
      new Date(clock.now().getTime() + 3_600_000).toISOString().replace('.000Z', 'Z'),
    );
    await ssm.send(
      new PutParameterCommand({
        Name: '/remediator/slack-url',
        Value: 'https://hooks.example/x',
        Type: 'String',
      }),
    );
    const p = await ssm.send(new GetParameterCommand({ Name: '/remediator/slack-url' }));
    expect(p.Parameter?.Value).toBe('https://hooks.example/x');
  });
});
