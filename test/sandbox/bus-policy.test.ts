/**
 * The service bus's policy (serverless/bus-policy.cjs) as the sandbox evaluates it for PutEvents
 * (sandbox/eventbridge/bus-policy.ts), and the package-time checks of the principals a stage names.
 */
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { evaluateBusPolicy, type PolicyDocument } from '../../sandbox/eventbridge/bus-policy.ts';

const cjs = createRequire(import.meta.url);
const { busPolicy, operatorPrincipals, assumeRoleParam } = cjs('../../serverless/bus-policy.cjs') as {
  busPolicy(o: {
    busArn: unknown;
    sweepRoleArn: unknown;
    completeRoleArn?: unknown;
    remediateRoleArn?: unknown;
    operators: string[];
  }): PolicyDocument;
  operatorPrincipals(p: string): string[];
  assumeRoleParam(p: string): string;
};
const { kmsKeyParam } = cjs('../../serverless/least-privilege.cjs') as { kmsKeyParam(p: string): string };

const ACCOUNT = '123456789012';
const BUS = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/ssm-remediator-prod`;
const SWEEP = `arn:aws:iam::${ACCOUNT}:role/ssm-remediator-prod-AgentSweepRole`;
const OPERATOR = `arn:aws:iam::${ACCOUNT}:role/oncall`;
const COMPLETE = `arn:aws:iam::${ACCOUNT}:role/ssm-remediator-prod-CompleteRole`;
const REMEDIATE = `arn:aws:iam::${ACCOUNT}:role/ssm-remediator-prod-RemediateRole`;
const policy = busPolicy({
  busArn: BUS,
  sweepRoleArn: SWEEP,
  completeRoleArn: COMPLETE,
  remediateRoleArn: REMEDIATE,
  operators: [OPERATOR],
});
const put = (principalArn: string, source: string, detailType: string, principalAccount = ACCOUNT) =>
  evaluateBusPolicy(policy, {
    principalArn,
    principalAccount,
    busArn: BUS,
    busAccount: ACCOUNT,
    source,
    detailType,
  });

describe('the service bus policy', () => {
  test('the sweep’s role may put its own event, and nothing else', () => {
    expect(put(SWEEP, 'ssm-remediator', 'SSM Agent Disconnected')).toEqual({ allowed: true });
    expect(put(SWEEP, 'ssm-remediator.operator', 'Remediation Requested')).toMatchObject({
      allowed: false,
      reason: 'explicit-deny',
    });
    expect(put(SWEEP, 'ssm-remediator', 'Remediation Requested')).toMatchObject({ allowed: false });
  });

  test('an operator principal may put only Remediation and Backfill Requested from ssm-remediator.operator', () => {
    expect(put(OPERATOR, 'ssm-remediator.operator', 'Remediation Requested')).toEqual({ allowed: true });
    expect(put(OPERATOR, 'ssm-remediator.operator', 'Backfill Requested')).toEqual({ allowed: true });
    expect(put(OPERATOR, 'ssm-remediator', 'Backfill Requested')).toMatchObject({ allowed: false });
    expect(put(SWEEP, 'ssm-remediator.operator', 'Backfill Requested')).toMatchObject({ allowed: false });
    expect(put(OPERATOR, 'ssm-remediator', 'SSM Agent Disconnected')).toMatchObject({ allowed: false });
    expect(put(OPERATOR, 'ssm-remediator.operator', 'SSM Agent Disconnected')).toMatchObject({
      allowed: false,
    });
  });

  test('the complete function’s role may put only Admission Slot Freed; no one else may', () => {
    expect(put(COMPLETE, 'ssm-remediator', 'Admission Slot Freed')).toEqual({ allowed: true });
    expect(put(COMPLETE, 'ssm-remediator', 'SSM Agent Disconnected')).toMatchObject({ allowed: false });
    expect(put(COMPLETE, 'ssm-remediator.operator', 'Admission Slot Freed')).toMatchObject({
      allowed: false,
    });
    expect(put(COMPLETE, 'ssm-remediator.operator', 'Backfill Requested')).toMatchObject({ allowed: false });
    expect(put(SWEEP, 'ssm-remediator', 'Admission Slot Freed')).toMatchObject({ allowed: false });
    expect(put(OPERATOR, 'ssm-remediator', 'Admission Slot Freed')).toMatchObject({ allowed: false });
  });

  test('the remediate function’s role (a failed start’s slot given back) may put only Admission Slot Freed', () => {
    expect(put(REMEDIATE, 'ssm-remediator', 'Admission Slot Freed')).toEqual({ allowed: true });
    expect(put(REMEDIATE, 'ssm-remediator', 'SSM Agent Disconnected')).toMatchObject({ allowed: false });
    expect(put(REMEDIATE, 'ssm-remediator.operator', 'Remediation Requested')).toMatchObject({
      allowed: false,
    });
    expect(put(REMEDIATE, 'ssm-remediator.operator', 'Admission Slot Freed')).toMatchObject({
      allowed: false,
    });
    // Without the role named, it is denied like anyone else.
    const without = busPolicy({ busArn: BUS, sweepRoleArn: SWEEP, completeRoleArn: COMPLETE, operators: [] });
    expect(
      evaluateBusPolicy(without, {
        principalArn: REMEDIATE,
        principalAccount: ACCOUNT,
        busArn: BUS,
        busAccount: ACCOUNT,
        source: 'ssm-remediator',
        detailType: 'Admission Slot Freed',
      }),
    ).toMatchObject({ allowed: false, sid: 'DenyEveryoneElse' });
  });

  test('anyone else in the account (identity policy or not) is denied, whatever the event', () => {
    for (const who of [`arn:aws:iam::${ACCOUNT}:user/admin`, `arn:aws:iam::${ACCOUNT}:role/other`]) {
      expect(put(who, 'ssm-remediator', 'SSM Agent Disconnected')).toEqual({
        allowed: false,
        reason: 'explicit-deny',
        sid: 'DenyEveryoneElse',
      });
      expect(put(who, 'ssm-remediator.operator', 'Remediation Requested')).toMatchObject({ allowed: false });
    }
  });

  test('with no operators named, the operator event is denied to everyone', () => {
    const none = busPolicy({ busArn: BUS, sweepRoleArn: SWEEP, operators: [] });
    const d = evaluateBusPolicy(none, {
      principalArn: OPERATOR,
      principalAccount: ACCOUNT,
      busArn: BUS,
      busAccount: ACCOUNT,
      source: 'ssm-remediator.operator',
      detailType: 'Remediation Requested',
    });
    expect(d).toMatchObject({ allowed: false, reason: 'explicit-deny' });
  });

  test('another account needs an Allow: without one it is refused (no-allow)', () => {
    const open: PolicyDocument = { Statement: [] };
    expect(
      evaluateBusPolicy(open, {
        principalArn: 'arn:aws:iam::999999999999:role/x',
        principalAccount: '999999999999',
        busArn: BUS,
        busAccount: ACCOUNT,
        source: 's',
        detailType: 'd',
      }),
    ).toEqual({ allowed: false, reason: 'no-allow' });
  });

  test('a Deny whose condition the evaluator cannot read is taken to match (fail closed)', () => {
    const odd: PolicyDocument = {
      Statement: [
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 'events:PutEvents',
          Resource: BUS,
          Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
        },
      ],
    };
    expect(
      evaluateBusPolicy(odd, {
        principalArn: SWEEP,
        principalAccount: ACCOUNT,
        busArn: BUS,
        busAccount: ACCOUNT,
        source: 'ssm-remediator',
        detailType: 'SSM Agent Disconnected',
      }),
    ).toMatchObject({ allowed: false });
  });
});

describe('package-time checks of stage params', () => {
  test('operatorPrincipals: IAM role or user ARNs, comma-separated, no wildcards; empty = none', () => {
    expect(operatorPrincipals('')).toEqual([]);
    expect(operatorPrincipals(` ${OPERATOR} , arn:aws:iam::${ACCOUNT}:user/alice`)).toEqual([
      OPERATOR,
      `arn:aws:iam::${ACCOUNT}:user/alice`,
    ]);
    for (const bad of ['*', `arn:aws:iam::${ACCOUNT}:role/*`, ACCOUNT, 'arn:aws:sts::123:assumed-role/x/y'])
      expect(() => operatorPrincipals(bad), bad).toThrow(
        /operatorPrincipals: .* is not the ARN of an IAM role or user/,
      );
  });

  test('automationAssumeRole: an IAM role ARN with no wildcard, or empty', () => {
    expect(assumeRoleParam('')).toBe('');
    expect(assumeRoleParam(`arn:aws:iam::${ACCOUNT}:role/ssm-automation`)).toBe(
      `arn:aws:iam::${ACCOUNT}:role/ssm-automation`,
    );
    for (const bad of [
      '*',
      `arn:aws:iam::${ACCOUNT}:role/*`,
      `arn:aws:iam::${ACCOUNT}:user/bob`,
      'ssm-automation',
    ])
      expect(() => assumeRoleParam(bad), bad).toThrow(
        /automationAssumeRole: .* is not the ARN of an IAM role/,
      );
  });

  test('webhookKmsKeyArn: a key ARN (no alias, no wildcard), or empty', () => {
    expect(kmsKeyParam('')).toBe('');
    const key = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    expect(kmsKeyParam(key)).toBe(key);
    for (const bad of [
      '*',
      `arn:aws:kms:us-east-1:${ACCOUNT}:alias/slack`,
      `arn:aws:kms:us-east-1:${ACCOUNT}:key/*`,
    ])
      expect(() => kmsKeyParam(bad), bad).toThrow(/webhookKmsKeyArn/);
  });
});
