/**
 * association.failed with the real bundles in the sandbox: a State Manager association fails on an
 * instance → both AWS events (instance association state change, Association compliance) reach
 * remediate → one re-apply (SsmRemediator-ReapplyAssociations, StartAssociationsOnce) → the
 * association runs again and succeeds. One that fails again after its re-apply is escalated once
 * (`failed-again`), never re-applied a second time.
 */
import { SSMClient } from '@aws-sdk/client-ssm';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SandboxAccount } from '../../sandbox/account.ts';
import type { BusEvent } from '../../sandbox/types.ts';
import { associationStateEvent } from '../../src/runbooks/_association-examples.ts';
import { setModes, startTestAccount, clientConfig } from '../helpers/sandbox.ts';

let acct: SandboxAccount;
let ssm: SSMClient;
const DOC = 'SsmRemediator-ReapplyAssociations';

beforeAll(async () => {
  acct = await startTestAccount();
  ssm = new SSMClient(clientConfig(acct));
  await setModes(ssm, ['association-reapply'], 'auto');
});
afterAll(async () => {
  ssm?.destroy();
  await acct?.close();
});

interface Told {
  title: string;
  outcome: string;
  code?: string;
  reason: string;
  resource?: { id: string };
}
const told = (from: number): Told[] =>
  acct.sns
    .messages()
    .slice(from)
    .map((m) => JSON.parse(m.Message) as Told);
const reapplies = (instance: string) =>
  acct.ssm
    .listAutomationExecutions()
    .filter((x) => x.DocumentName === DOC && x.Parameters['InstanceId']?.[0] === instance);

it('a failed association is re-applied once (both events, one run) and then succeeds', async () => {
  const I = 'i-0a000000000000001';
  acct.ssm.addInstance({ InstanceId: I });
  const a = acct.ssm.associations.create({ Name: 'AWS-GatherSoftwareInventory', InstanceIds: [I] });
  acct.ssm.associations.setOutcome({ associationId: a.AssociationId, outcome: 'Failed', times: 1 });
  const before = acct.sns.messages().length;
  acct.ssm.associations.run(a.AssociationId);
  await acct.bus.idle({ timeoutMs: 60_000 });

  // Both events of the failed run matched a rule of the remediate function.
  const failedRun = acct.bus
    .fates()
    .filter((f) => f.event.detail['instance-id'] === I || f.event.detail['resource-id'] === I)
    .filter(
      (f) => f.event.detail['status'] === 'Failed' || f.event.detail['compliance-status'] === 'non_compliant',
    );
  expect(failedRun.map((f) => f.event['detail-type']).sort()).toEqual([
    'Configuration Compliance State Change',
    'EC2 State Manager Instance Association State Change',
  ]);
  for (const f of failedRun) expect(f.rules.length).toBe(1);
  const runs = reapplies(I);
  expect(runs).toHaveLength(1);
  expect(runs[0]!.Parameters['AssociationIds']).toEqual([a.AssociationId]);
  expect(runs[0]!.status).toBe('Success');
  // Fixed in the world: the re-applied association ran and succeeded.
  expect(a.startedOnce).toBe(1);
  expect(a.instances.get(I)!.status).toBe('Success');
  const mine = told(before).filter((m) => m.resource?.id === I);
  expect(mine.map((m) => m.outcome).sort()).toEqual(['started', 'succeeded']);
});

it('an association that fails again after its re-apply is escalated once, not re-applied again', async () => {
  const I = 'i-0a000000000000002';
  acct.ssm.addInstance({ InstanceId: I });
  const a = acct.ssm.associations.create({ Name: 'AWS-GatherSoftwareInventory', InstanceIds: [I] });
  acct.ssm.associations.setOutcome({ associationId: a.AssociationId, outcome: 'Failed' });
  const before = acct.sns.messages().length;
  acct.ssm.associations.run(a.AssociationId);
  await acct.bus.idle({ timeoutMs: 60_000 });
  // Its next scheduled run fails too.
  acct.ssm.associations.run(a.AssociationId);
  await acct.bus.idle({ timeoutMs: 60_000 });

  expect(reapplies(I)).toHaveLength(1);
  expect(a.startedOnce).toBe(1);
  expect(a.instances.get(I)!.status).toBe('Failed');
  const mine = told(before).filter((m) => m.resource?.id === I);
  const escalated = mine.filter((m) => m.code === 'failed-again');
  expect(escalated).toHaveLength(1);
  expect(escalated[0]!.outcome).toBe('skipped');
  expect(escalated[0]!.reason).toContain('failed again');
  expect(mine.filter((m) => m.outcome === 'started')).toHaveLength(1);
});

it.each([
  [
    'an association id that is not one',
    (d: Record<string, unknown>) => (d['association-id'] = '34fcb7e0; rm -rf /'),
    'detail.association-id',
  ],
  ['no instance id', (d: Record<string, unknown>) => delete d['instance-id'], 'detail.instance-id'],
])(
  'a malformed association event (%s) lands in the rejected-events queue naming %s',
  async (_n, mutate, field) => {
    const bad = associationStateEvent('i-0a000000000000003') as unknown as BusEvent;
    bad.id = randomUUID();
    mutate(bad.detail);
    const before = acct.queueBodies('RejectedEventsQueue').length;
    acct.bus.put(bad, { via: 'service' });
    await acct.bus.idle({ timeoutMs: 60_000 });
    const rejected = acct.queueBodies('RejectedEventsQueue').slice(before) as Array<{
      field: string;
      event: { id: string };
    }>;
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ field, event: { id: bad.id } });
    expect(reapplies('i-0a000000000000003')).toHaveLength(0);
  },
);
