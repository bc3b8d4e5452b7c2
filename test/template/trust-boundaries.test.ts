/**
 * Issue 12 (h4-iam), read from the packaged template (`serverless package`, offline): the service's
 * own bus and its policy, the Automation assume roles derived from the runbooks' steps, iam:PassRole
 * only on them and only to SSM, ledger writes under dynamodb:LeadingKeys, reserved concurrency on
 * every function; and, packaging again with stage params, operator principals, the stage's own
 * assume role and kms:Decrypt for a customer-managed webhook key.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { derive, loadRemediations, type Derived } from '../../scripts/derive.ts';
import { UNSCOPED_ACTIONS } from '../../src/core/permissions.ts';
import { AWS_DOCUMENTS } from '../../src/runbooks/_aws-documents.ts';
import { packageService, readTemplate } from '../../sandbox/template.ts';
import {
  ACTING_ROLES,
  actions,
  projectRoot,
  resources,
  roleStatements,
  ROLE_FAMILIES,
  type Statement,
  type Template,
} from '../helpers/package.ts';

let t: Template;
let derived: Derived;
beforeAll(async () => {
  t = JSON.parse(
    readFileSync(join(inject('packagedDir'), 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
  derived = derive(await loadRemediations());
});

const props = (id: string) => {
  const r = t.Resources[id];
  if (!r) throw new Error(`${id} is not in the template`);
  return (r.Properties ?? {}) as Record<string, unknown>;
};
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const functions = () => Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
const roles = () => Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role');
type Policy = { Statement: Array<Statement & { Principal?: unknown }> };

describe('the service’s own event bus', () => {
  test('RemediatorBus: everyone but the sweep’s role is denied PutEvents; the sweep only its own event', () => {
    expect(t.Resources.RemediatorBus!.Type).toBe('AWS::Events::EventBus');
    expect(props('RemediatorBus').Name).toBe('ssm-remediator-sandbox');
    const policy = props('RemediatorBus').Policy as Policy;
    const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
    // The sandbox stage names one operator principal (serverless.yml params).
    expect(Object.keys(bySid)).toEqual(
      expect.arrayContaining([
        'AllowAgentSweep',
        'DenyAgentSweepOtherDetailTypes',
        'DenyAgentSweepOtherSources',
        'DenyEveryoneElse',
      ]),
    );
    const sweep = getAtt('AgentSweepRole');
    expect(bySid.DenyEveryoneElse).toMatchObject({
      Effect: 'Deny',
      Principal: '*',
      Action: 'events:PutEvents',
      Condition: {
        ArnNotEquals: {
          'aws:PrincipalArn': [
            sweep,
            getAtt('CompleteRole'),
            getAtt('RemediateRole'),
            getAtt('ApprovalCallbackRole'),
            'arn:aws:iam::123456789012:role/ssm-remediator-sandbox-operator',
          ],
        },
      },
    });
    expect(JSON.stringify(bySid.DenyEveryoneElse!.Resource)).toContain(':event-bus/ssm-remediator-sandbox');
    expect(bySid.AllowAgentSweep).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: sweep },
      Condition: {
        StringEquals: { 'events:source': 'ssm-remediator', 'events:detail-type': 'SSM Agent Disconnected' },
      },
    });
    expect(bySid.DenyAgentSweepOtherSources!.Condition).toEqual({
      ArnEquals: { 'aws:PrincipalArn': sweep },
      StringNotEquals: { 'events:source': 'ssm-remediator' },
    });
    // The complete function: only `Admission Slot Freed` (docs/quota-waits.md), in the bus policy and its role.
    expect(bySid.AllowCompleteSlotFreed).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: getAtt('CompleteRole') },
      Condition: {
        StringEquals: { 'events:source': 'ssm-remediator', 'events:detail-type': 'Admission Slot Freed' },
      },
    });
    expect(bySid.DenyCompleteSlotFreedOtherDetailTypes!.Condition).toEqual({
      ArnEquals: { 'aws:PrincipalArn': getAtt('CompleteRole') },
      StringNotEquals: { 'events:detail-type': 'Admission Slot Freed' },
    });
    const puts = roleStatements(t, 'CompleteRole').filter((s) => actions(s).includes('events:PutEvents'));
    expect(puts).toHaveLength(1);
    expect(JSON.stringify(puts[0]!.Resource)).toContain(':event-bus/ssm-remediator-sandbox');
    expect(puts[0]!.Condition).toEqual({
      StringEquals: { 'events:source': 'ssm-remediator', 'events:detail-type': 'Admission Slot Freed' },
    });
    // The remediate function: the same one event, for a failed start's slot given back.
    expect(bySid.AllowRemediateSlotFreed).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: getAtt('RemediateRole') },
      Condition: {
        StringEquals: { 'events:source': 'ssm-remediator', 'events:detail-type': 'Admission Slot Freed' },
      },
    });
    expect(bySid.DenyRemediateSlotFreedOtherSources!.Condition).toEqual({
      ArnEquals: { 'aws:PrincipalArn': getAtt('RemediateRole') },
      StringNotEquals: { 'events:source': 'ssm-remediator' },
    });
    const remediatePuts = roleStatements(t, 'RemediateRole').filter((s) =>
      actions(s).includes('events:PutEvents'),
    );
    expect(remediatePuts).toHaveLength(1);
    expect(remediatePuts[0]!.Condition).toEqual({
      StringEquals: { 'events:source': 'ssm-remediator', 'events:detail-type': 'Admission Slot Freed' },
    });
    // The approval callback: only `Approval Decided` from ssm-remediator (docs/approvals.md), in both.
    expect(bySid.AllowApprovalDecided).toMatchObject({
      Principal: { AWS: getAtt('ApprovalCallbackRole') },
      Condition: {
        StringEquals: { 'events:source': 'ssm-remediator', 'events:detail-type': 'Approval Decided' },
      },
    });
    const signals = roleStatements(t, 'ApprovalCallbackRole').filter((s) =>
      actions(s).includes('events:PutEvents'),
    );
    expect(signals.map((s) => s.Condition)).toEqual([
      { StringEquals: { 'events:source': 'ssm-remediator', 'events:detail-type': 'Approval Decided' } },
    ]);
    // Only the named operator may put the operator event (with none named: test/sandbox/bus-policy.test.ts).
    expect(bySid.AllowOperators!.Principal).toEqual({
      AWS: ['arn:aws:iam::123456789012:role/ssm-remediator-sandbox-operator'],
    });
  });

  test('our rules are on our bus, every function’s EVENT_BUS_NAME names it', () => {
    const rules = Object.values(t.Resources).filter(
      (r) =>
        r.Type === 'AWS::Events::Rule' &&
        JSON.stringify(r.Properties?.EventPattern ?? {}).includes('ssm-remediator'),
    );
    expect(rules.map((r) => JSON.stringify(r.Properties!.EventPattern)).sort()).toEqual(
      [
        { source: ['ssm-remediator'], 'detail-type': ['SSM Agent Disconnected'] },
        { source: ['ssm-remediator.operator'], 'detail-type': ['Remediation Requested'] },
        { source: ['ssm-remediator.operator'], 'detail-type': ['Backfill Requested'] },
        { source: ['ssm-remediator'], 'detail-type': ['Admission Slot Freed'] },
        { source: ['ssm-remediator', 'ssm-remediator.operator'], 'detail-type': ['Approval Decided'] },
      ]
        .map((p) => JSON.stringify(p))
        .sort(),
    );
    for (const r of rules) {
      expect(r.Properties!.EventBusName).toEqual({ Ref: 'RemediatorBus' });
      // Backfill and a freed admission slot go to the reconcile function; every other event of ours to remediate.
      const pattern = JSON.stringify(r.Properties!.EventPattern);
      const toReconcile =
        pattern.includes('Backfill Requested') ||
        pattern.includes('Admission Slot Freed') ||
        pattern.includes('Approval Decided');
      expect(JSON.stringify(r.Properties!.Targets)).toContain(
        toReconcile ? 'ReconcileLambdaFunction' : 'RemediateLambdaFunction',
      );
    }
    for (const [, f] of functions())
      expect(
        (f.Properties!.Environment as { Variables: Record<string, unknown> }).Variables.EVENT_BUS_NAME,
      ).toEqual({
        Ref: 'RemediatorBus',
      });
  });
});

describe('least privilege', () => {
  test('one Automation assume role per remediation that starts runbooks, with exactly its runbooks’ step permissions', () => {
    const withAutomation = Object.keys(derived.automationRoles);
    expect(withAutomation.length).toBeGreaterThan(0);
    for (const [id, role] of Object.entries(derived.automationRoles)) {
      const res = t.Resources[role.logicalId]!;
      expect(res.Type, id).toBe('AWS::IAM::Role');
      const trust = (res.Properties!.AssumeRolePolicyDocument as Policy).Statement;
      expect(trust).toEqual([
        expect.objectContaining({
          Principal: { Service: 'ssm.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: expect.objectContaining({
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          }),
        }),
      ]);
      const st = roleStatements(t, role.logicalId);
      expect(st.length).toBeGreaterThan(0);
      for (const s of st) {
        for (const a of actions(s)) expect(a).not.toContain('*');
        if (resources(s).includes('*')) expect(UNSCOPED_ACTIONS).toEqual(expect.arrayContaining(actions(s)));
      }
    }
    // agent-reboot's own document reboots in place: its role may reboot and read instance status, and
    // neither stop nor start an instance, nor touch S3.
    const reboot = roleStatements(t, derived.automationRoles['agent-reboot']!.logicalId).flatMap(actions);
    expect(reboot.sort()).toEqual(['ec2:DescribeInstanceStatus', 'ec2:RebootInstances']);
    const restart = roleStatements(t, derived.automationRoles['agent-troubleshoot']?.logicalId ?? '').flatMap(
      actions,
    );
    expect(restart).not.toContain('ec2:StopInstances');
    expect(AWS_DOCUMENTS['AWS-RestartEC2Instance']!.assumeRole!.map((p) => p.action)).toContain(
      'ec2:StopInstances',
    );
  });

  test('iam:PassRole only on the shipped roles of the role’s own remediations, only to ssm.amazonaws.com', () => {
    for (const [id, role] of roles()) {
      const pass = roleStatements(t, id).filter((s) => actions(s).includes('iam:PassRole'));
      if (!ACTING_ROLES.includes(id)) {
        expect(pass, id).toEqual([]);
        continue;
      }
      const ids = ROLE_FAMILIES[id]!.flatMap((f) => derived.families[f]).filter(
        (x) => derived.automationRoles[x],
      );
      if (ids.length === 0) {
        expect(pass, id).toEqual([]);
        continue;
      }
      expect(pass, id).toHaveLength(1);
      expect(pass[0]!.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } });
      expect(resources(pass[0]!).sort(), id).toEqual(
        ids.map((x) => getAtt(derived.automationRoles[x]!.logicalId)).sort(),
      );
      expect(role.Type).toBe('AWS::IAM::Role');
    }
    // The patch fan-out starts no Automation: it may pass no role at all.
    expect(roleStatements(t, 'PatchFanoutRole').flatMap(actions)).not.toContain('iam:PassRole');
  });

  test('the acting functions pass each remediation its own role (AUTOMATION_ASSUME_ROLES)', () => {
    const env = (props('RemediateLambdaFunction').Environment as { Variables: Record<string, unknown> })
      .Variables;
    const map = (env.AUTOMATION_ASSUME_ROLES as { 'Fn::Sub': string })['Fn::Sub'];
    expect(map).toContain(`"agent-reboot":"\${${derived.automationRoles['agent-reboot']!.logicalId}.Arn}"`);
    expect(env.AUTOMATION_ASSUME_ROLE_ARN).toBe('');
  });

  test('every ledger write carries a dynamodb:LeadingKeys condition, scoped to the role’s remediations', () => {
    for (const [id] of roles()) {
      for (const s of roleStatements(t, id)) {
        const writes = actions(s).filter((a) => /^dynamodb:(PutItem|UpdateItem|DeleteItem)$/.test(a));
        if (writes.length === 0) continue;
        const cond = (s.Condition ?? {}) as Record<string, Record<string, string[]>>;
        const keys = Object.entries(cond).find(([op]) => op.startsWith('ForAllValues:'))?.[1][
          'dynamodb:LeadingKeys'
        ];
        expect(keys, `${id} ${s.Sid}`).toBeDefined();
        if (id !== 'AgentSweepRole')
          expect(
            keys!.some((k) => k.startsWith('COUNTER#')),
            id,
          ).toBe(false);
      }
    }
    const patchKeys = roleStatements(t, 'PatchFanoutRole').find((s) => s.Sid === 'LedgerWrites')!
      .Condition as Record<string, Record<string, string[]>>;
    const patterns = patchKeys['ForAllValues:StringLike']!['dynamodb:LeadingKeys']!;
    expect(patterns).toContain('CLAIM#patch-baseline-install#*');
    expect(patterns.some((k) => k.includes('restricted-ssh'))).toBe(false);
  });

  test('every function has a reserved concurrency', () => {
    expect(functions().length).toBe(7);
    for (const [id, f] of functions())
      expect(f.Properties!.ReservedConcurrentExecutions, id).toBeGreaterThan(0);
  });

  test('no kms:Decrypt when the stage names no customer-managed key', () => {
    for (const [id] of roles())
      expect(roleStatements(t, id).flatMap(actions), id).not.toContain('kms:Decrypt');
  });
});

describe('packaged with stage params', () => {
  const OPERATOR = 'arn:aws:iam::123456789012:role/oncall-operator';
  const STAGE_ROLE = 'arn:aws:iam::123456789012:role/ssm-remediator-automation';
  const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  let p: Template;
  let out: string;
  beforeAll(async () => {
    out = await packageService({
      projectRoot,
      stage: 'sandbox',
      region: 'us-east-1',
      params: { operatorPrincipals: OPERATOR, automationAssumeRole: STAGE_ROLE, webhookKmsKeyArn: KEY },
    });
    p = readTemplate(out) as unknown as Template;
  }, 240_000);
  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  test('operatorPrincipals may put only Remediation and Backfill Requested and Approval Decided from ssm-remediator.operator on the bus', () => {
    const policy = p.Resources.RemediatorBus!.Properties!.Policy as Policy;
    const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
    expect(bySid.DenyEveryoneElse!.Condition).toEqual({
      ArnNotEquals: {
        'aws:PrincipalArn': [
          getAtt('AgentSweepRole'),
          getAtt('CompleteRole'),
          getAtt('RemediateRole'),
          getAtt('ApprovalCallbackRole'),
          OPERATOR,
        ],
      },
    });
    expect(bySid.AllowOperators).toMatchObject({
      Principal: { AWS: [OPERATOR] },
      Condition: {
        StringEquals: {
          'events:source': 'ssm-remediator.operator',
          'events:detail-type': ['Remediation Requested', 'Backfill Requested', 'Approval Decided'],
        },
      },
    });
    expect(bySid.DenyOperatorsOtherSources!.Condition).toEqual({
      ArnEquals: { 'aws:PrincipalArn': [OPERATOR] },
      StringNotEquals: { 'events:source': 'ssm-remediator.operator' },
    });
  });

  test('a stage’s own automationAssumeRole replaces the shipped roles: PassRole on it alone, only to SSM', () => {
    expect(Object.keys(p.Resources).filter((k) => k.startsWith('AutomationRole'))).toEqual([]);
    for (const role of ['RemediateRole', 'ReconcileRole']) {
      const pass = roleStatements(p, role).filter((s) => actions(s).includes('iam:PassRole'));
      expect(pass).toEqual([
        expect.objectContaining({
          Resource: [STAGE_ROLE],
          Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
        }),
      ]);
    }
  });

  test('kms:Decrypt on the webhook’s key, only through SSM, for every role that reads the webhook', () => {
    for (const role of [
      'RemediateRole',
      'CompleteRole',
      'ReconcileRole',
      'PatchFanoutRole',
      'AgentSweepRole',
    ]) {
      const kms = roleStatements(p, role).filter((s) => actions(s).includes('kms:Decrypt'));
      expect(kms, role).toEqual([
        expect.objectContaining({
          Resource: KEY,
          Condition: {
            StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } },
          },
        }),
      ]);
    }
  });
});
