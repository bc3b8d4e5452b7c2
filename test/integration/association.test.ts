/**
 * association.failed with the real bundles in the sandbox: a State Manager association fails on an
 * instance → both AWS events (instance association state change, Association compliance) reach
 * remediate → one re-apply (SsmRemediator-ReapplyAssociations, StartAssociationsOnce) → the
 * association runs again and succeeds. One that fails again after its re-apply is escalated once
 * (`failed-again`), never re-applied a second time.
 */
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SandboxAccount } from '../../sandbox/account.ts';
import { setModes, startTestAccount } from '../helpers/sandbox.ts';

let acct: SandboxAccount;
let ssm: SSMClient;
const DOC = 'SsmRemediator-ReapplyAssociations';

beforeAll(async () => {
  acct = await startTestAccount();
  ssm = new SSMClient({
    endpoint: acct.url,
    region: acct.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
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
