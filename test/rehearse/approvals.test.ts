/**
 * Mode `approve` on a rehearsed day (docs/approvals.md): with nobody approving, each finding is held
 * for approval, then ended by the reconcile sweep as `skipped: approval-timeout`, announced, with
 * nothing started: excused by convergence, nothing dropped or doubled. With the sandbox playing
 * Slack's side (scenario `approvals`, sandbox/slack-interactions.ts), signed clicks approve and reject,
 * and forged and replayed callbacks are refused.
 */
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { passed, renderReport } from '../../sandbox/scenario/report.ts';
import { runScenario } from '../../sandbox/scenario/run.ts';
import { findProjectRoot, loadScenario } from '../../sandbox/scenario/schema.ts';

it('approvals nobody answers time out, announced, nothing started, nothing dropped', async () => {
  const r = await runScenario({
    scenario: loadScenario(join(import.meta.dirname, 'fixtures/approvals.yaml')),
    projectRoot: findProjectRoot(),
    templateDir: inject('packagedDir'),
  });
  if (process.env['APPROVAL_FIGURES'])
    console.log(
      JSON.stringify({ byCode: r.outcomes.byCode, convergence: { ...r.convergence, items: [] }, sns: r.sns }),
    );
  expect(r.outcomes.byCode['approval']).toBe(3);
  expect(r.outcomes.byCode['approval-timeout']).toBe(3);
  expect(r.executions.started).toBe(0);
  expect(r.convergence.items.filter((i) => i.state === 'dropped')).toEqual([]);
  expect(r.convergence).toMatchObject({ findings: 3, excused: 3, dropped: 0, pending: 0 });
  expect(r.convergence.excusedBy).toEqual({ 'approval-timeout': 3 });
  expect(r.unfinished).toBe(0);
  expect(r.duplicateExecutions).toBe(0);
  expect(r.iam.denied).toBe(0);
  expect(passed(r)).toBe(true);
}, 300_000);

it('approvals answered in Slack: approved ones start once with the approver, rejected and timed-out ones end with nothing started, forged and replayed callbacks refused', async () => {
  const world: {
    approvals: Record<string, unknown>[];
    executions: { resource?: string; approvedBy?: string; remediation?: string }[];
    sns: Record<string, unknown>[];
  } = { approvals: [], executions: [], sns: [] };
  const r = await runScenario({
    scenario: loadScenario(join(import.meta.dirname, 'fixtures/approvals-answered.yaml')),
    projectRoot: findProjectRoot(),
    templateDir: inject('packagedDir'),
    inspect: async (acct) => {
      // The world, read apart from the report: the ledger's APPROVAL# items, SSM's executions, SNS.
      const doc = DynamoDBDocumentClient.from(
        new DynamoDBClient({
          endpoint: acct.url,
          region: acct.region,
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        }),
      );
      const table = Object.values(acct.deployed.tables)[0]!.name;
      const out = await doc.send(
        new ScanCommand({
          TableName: table,
          FilterExpression: 'begins_with(pk, :p)',
          ExpressionAttributeValues: { ':p': 'APPROVAL#' },
        }),
      );
      doc.destroy();
      world.approvals = out.Items ?? [];
      const tag = (x: { tags: { Key: string; Value: string }[] }, k: string) =>
        x.tags.find((t) => t.Key === k)?.Value;
      world.executions = acct.ssm.listAutomationExecutions().map((x) => ({
        remediation: tag(x, 'ssm-remediator:remediation'),
        resource: tag(x, 'ssm-remediator:resource'),
        // Its own tag, or (SSM takes 5 tags at start) `approved-by=` in the finding tag.
        approvedBy:
          tag(x, 'ssm-remediator:approved-by') ??
          / approved-by=(\S+)/.exec(tag(x, 'ssm-remediator:finding') ?? '')?.[1],
      }));
      world.sns = acct.sns.messages().flatMap((m) => {
        try {
          return [JSON.parse(m.Message) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
    },
  });
  const a = r.approvals!;
  const byState = (s: string) => world.approvals.filter((x) => x['state'] === s);
  const approved = byState('approved');
  const rejected = byState('rejected');
  const expired = byState('expired');
  // The seed gives each kind of answer at least once (5 requests: 3 approved, 1 rejected, 1 timed out).
  expect([approved.length, rejected.length, expired.length]).toEqual([3, 1, 1]);
  expect(world.approvals).toHaveLength(5);
  // What the sandbox's Slack users chose is what the ledger holds: no forged or replayed click changed it.
  expect(a.chosen).toEqual({ approve: 3, reject: 1, timeout: 1 });
  for (const item of a.items) {
    const want = { approve: 'approved', reject: 'rejected', timeout: 'expired' }[item.chosen!];
    expect(world.approvals.find((x) => x['id'] === item.id)?.['state']).toBe(want);
  }
  for (const x of [...approved, ...rejected]) expect(x['decidedBy']).toMatch(/^slack:U0SANDBOX[12]$/);
  // Approved: started exactly once, the approver on the execution's tags.
  for (const x of approved) {
    const runs = world.executions.filter((e) => e.resource === x['resourceId']);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.approvedBy).toBe(x['decidedBy']);
  }
  // Rejected and timed out: nothing started, the ending announced with its code.
  for (const [items, code] of [
    [rejected, 'rejected-by'],
    [expired, 'approval-timeout'],
  ] as const)
    for (const x of items) {
      expect(world.executions.filter((e) => e.resource === x['resourceId'])).toEqual([]);
      const notices = world.sns.filter(
        (m) => m['code'] === code && (m['resource'] as { id?: string } | undefined)?.id === x['resourceId'],
      );
      expect(notices).toHaveLength(1);
    }
  expect(world.executions).toHaveLength(3);
  // Every forged and replayed callback refused (4xx), for its own reason.
  expect(a.callbacks.byKind).toEqual({
    'forged:bad-signature': 1,
    'forged:unsigned': 1,
    'forged:stale-timestamp': 1,
    'forged:not-an-approver': 1,
    genuine: 4,
    replay: 2,
  });
  expect(a.forgedAccepted).toBe(0);
  expect(a.replaysAccepted).toBe(0);
  expect(a.callbacks.accepted).toBe(4);
  expect(a.callbacks.refused).toBe(6);
  expect(a.callbacks.refusedBy).toEqual({
    '401 bad-signature': 1,
    '401 missing-headers': 1,
    '401 stale-timestamp': 2, // the forged one, and the replay ten minutes later
    '403 not-an-approver': 1,
    '409 already-decided': 1, // the replay one minute later: signed, fresh, decided once
  });
  // The report's counts are the world's.
  expect(a).toMatchObject({
    requests: world.approvals.length,
    approved: approved.length,
    rejected: rejected.length,
    timedOut: expired.length,
    pending: 0,
    started: world.executions.length,
    startedOnce: approved.length,
    startedWithoutApproval: 0,
    startedTwice: 0,
    approverMismatch: 0,
  });
  expect(renderReport(r)).toContain(
    'Approvals              5 requests (ledger): 3 approved, 1 rejected, 1 timed out',
  );
  // Convergence: approved fixed, rejected and timed out excused, nothing dropped or doubled.
  expect(r.convergence).toMatchObject({ findings: 5, fixed: 3, excused: 2, dropped: 0, pending: 0 });
  expect(r.convergence.excusedBy).toEqual({ 'rejected-by': 1, 'approval-timeout': 1 });
  expect(r.duplicateExecutions).toBe(0);
  expect(r.unfinished).toBe(0);
  expect(r.iam.denied).toBe(0);
  expect(passed(r)).toBe(true);
}, 300_000);
