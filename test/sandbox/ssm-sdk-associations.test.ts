// State Manager associations in the sandbox through the real @aws-sdk/client-ssm: CreateAssociation,
// DescribeAssociation, DescribeInstanceAssociationsStatus, StartAssociationsOnce, the two events a
// failed run emits, and an Automation step calling StartAssociationsOnce re-running the association.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  CreateAssociationCommand,
  DescribeAssociationCommand,
  DescribeInstanceAssociationsStatusCommand,
  SSMClient,
  StartAssociationsOnceCommand,
  StartAutomationExecutionCommand,
} from '@aws-sdk/client-ssm';
import { createClock } from '../../sandbox/clock.ts';
import { startSandboxServer, type SandboxServer } from '../../sandbox/server.ts';
import { createSsmService } from '../../sandbox/ssm/index.ts';
import type { BusEvent } from '../../sandbox/types.ts';
import { parseFinding } from '../../src/events/finding.ts';
import { projectRoot } from '../helpers/events.ts';

const clock = createClock({ manual: true, start: new Date('2025-03-04T03:00:00Z') });
const events: BusEvent[] = [];
const { def, state } = createSsmService({
  clock,
  events: { emit: (e) => events.push(e) },
  account: '123456789012',
  region: 'us-east-1',
});
const I = 'i-0123456789abcdef0';
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
  state.addInstance({ InstanceId: I });
  state.addDocument({
    name: 'SsmRemediator-ReapplyAssociations',
    type: 'Automation',
    content: readFileSync(
      join(projectRoot, 'src/runbooks/documents/SsmRemediator-ReapplyAssociations.yaml'),
      'utf8',
    ),
  });
});
afterAll(async () => {
  ssm.destroy();
  await server.close();
});

const ofType = (t: string) => events.filter((e) => e['detail-type'] === t);

test('a failed run: status Failed, both events (each a finding of the same run), then StartAssociationsOnce fixes it', async () => {
  const created = await ssm.send(
    new CreateAssociationCommand({
      Name: 'AWS-GatherSoftwareInventory',
      Targets: [{ Key: 'InstanceIds', Values: [I] }],
      ScheduleExpression: 'rate(30 minutes)',
    }),
  );
  const id = created.AssociationDescription!.AssociationId!;
  state.associations.setOutcome({ associationId: id, outcome: 'Failed', times: 1 });
  state.associations.run(id);
  await clock.advance(60_000);

  const status = await ssm.send(new DescribeInstanceAssociationsStatusCommand({ InstanceId: I }));
  expect(status.InstanceAssociationStatusInfos?.map((s) => [s.AssociationId, s.Status])).toEqual([
    [id, 'Failed'],
  ]);
  expect(status.InstanceAssociationStatusInfos![0]!.ExecutionDate).toBeInstanceOf(Date);
  const d = await ssm.send(new DescribeAssociationCommand({ AssociationId: id }));
  expect(d.AssociationDescription?.Overview?.Status).toBe('Failed');

  const state1 = ofType('EC2 State Manager Instance Association State Change');
  const compliance = ofType('Configuration Compliance State Change');
  expect(state1.map((e) => e.detail['status'])).toEqual(['Failed']);
  expect(compliance.map((e) => e.detail['compliance-status'])).toEqual(['non_compliant']);
  // Both events are association.failed findings of one run: the same instance and ordering time.
  const a = parseFinding(state1[0]);
  const b = parseFinding(compliance[0]);
  expect([a.family, b.family]).toEqual(['association.failed', 'association.failed']);
  expect(a.detail).toMatchObject({ source: 'association-state', associationId: id });
  expect(b.detail).toEqual({ source: 'compliance' });
  expect(a.orderingTime).toBe(b.orderingTime);

  await ssm.send(new StartAssociationsOnceCommand({ AssociationIds: [id] }));
  await clock.advance(60_000);
  const after = await ssm.send(new DescribeInstanceAssociationsStatusCommand({ InstanceId: I }));
  expect(after.InstanceAssociationStatusInfos![0]!.Status).toBe('Success');
  expect(ofType('Configuration Compliance State Change').at(-1)!.detail['compliance-status']).toBe(
    'compliant',
  );
  expect(() => parseFinding(ofType('EC2 State Manager Instance Association State Change').at(-1))).toThrow(
    /only Failed associations/,
  );
});

test('StartAssociationsOnce on an unknown association is InvalidAssociation', async () => {
  await expect(
    ssm.send(new StartAssociationsOnceCommand({ AssociationIds: ['00000000-0000-4000-8000-000000000000'] })),
  ).rejects.toMatchObject({ name: 'InvalidAssociation' });
});

test('the ReapplyAssociations runbook re-runs the association when its execution succeeds', async () => {
  const created = await ssm.send(
    new CreateAssociationCommand({
      Name: 'AWS-GatherSoftwareInventory',
      Targets: [{ Key: 'InstanceIds', Values: [I] }],
    }),
  );
  const id = created.AssociationDescription!.AssociationId!;
  await ssm.send(
    new StartAutomationExecutionCommand({
      DocumentName: 'SsmRemediator-ReapplyAssociations',
      Parameters: { InstanceId: [I], AssociationIds: [id] },
    }),
  );
  await clock.advance(10 * 60_000);
  expect(state.associations.get(id)!.startedOnce).toBe(1);
  const d = await ssm.send(new DescribeAssociationCommand({ AssociationId: id }));
  expect(d.AssociationDescription?.Overview?.Status).toBe('Success');
});
