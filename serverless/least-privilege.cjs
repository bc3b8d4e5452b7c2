'use strict';
/**
 * h4-iam: least-privilege pieces the plugin adds to the compiled template (docs/security.md).
 *
 * - `automationRoleResources`: one Automation assume role per remediation that starts Automation
 *   runbooks, trusted by ssm.amazonaws.com from this account only, allowed exactly what its runbooks'
 *   steps call (scripts/derive.ts, from src/runbooks/_aws-documents.ts).
 * - `passRoleStatement`: iam:PassRole on those roles (or on the stage's own automationAssumeRole),
 *   only to SSM.
 * - `splitLedgerWrites`: a role's ledger writes carry a dynamodb:LeadingKeys condition.
 * - `kmsDecryptStatement`: kms:Decrypt on the webhook's customer-managed key, only through SSM.
 */

const LEDGER_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

/** A customer-managed KMS key ARN (no alias, no wildcard). */
const KMS_KEY_ARN =
  /^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-fA-F-]{36}$|^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:key\/mrk-[0-9a-f]{32}$/;

function kmsKeyParam(param) {
  const arn = String(param ?? '').trim();
  if (arn !== '' && !KMS_KEY_ARN.test(arn)) {
    throw new Error(
      `remediator: webhookKmsKeyArn: ${JSON.stringify(arn)} is not the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<key-id>; no alias, no wildcard)`,
    );
  }
  return arn;
}

function automationRoleResources(derived, stage) {
  const out = {};
  for (const [id, role] of Object.entries(derived.automationRoles)) {
    out[role.logicalId] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `ssm-remediator ${stage}: what SSM Automation may do for ${id} (its runbooks' steps only)`,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'ssm.amazonaws.com' },
              Action: 'sts:AssumeRole',
              // Confused-deputy protection: only Automation executions of this account.
              Condition: {
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                ArnLike: {
                  'aws:SourceArn': {
                    'Fn::Sub':
                      'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:automation-execution/*',
                  },
                },
              },
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'runbook-steps',
            PolicyDocument: { Version: '2012-10-17', Statement: role.statements },
          },
        ],
      },
    };
  }
  return out;
}

function passRoleStatement(resources) {
  return {
    Sid: 'PassAutomationAssumeRole',
    Effect: 'Allow',
    Action: ['iam:PassRole'],
    Resource: resources,
    Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
  };
}

/** Replaces the write actions of the role's `Ledger` statement by a statement with a LeadingKeys condition. */
function splitLedgerWrites(statements, patterns) {
  const i = statements.findIndex((s) => s.Sid === 'Ledger');
  if (i < 0) return false;
  const ledger = statements[i];
  const actions = [].concat(ledger.Action);
  const writes = actions.filter((a) => LEDGER_WRITES.includes(a));
  if (writes.length === 0) return false;
  ledger.Action = actions.filter((a) => !LEDGER_WRITES.includes(a));
  statements.splice(i + 1, 0, {
    Sid: 'LedgerWrites',
    Effect: 'Allow',
    Action: writes,
    // The table only: writes go to base-table keys (an index is never written).
    Resource: [].concat(ledger.Resource)[0],
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...new Set(patterns)] } },
  });
  return true;
}

function kmsDecryptStatement(keyArn) {
  return {
    Sid: 'DecryptWebhookParameter',
    Effect: 'Allow',
    Action: ['kms:Decrypt'],
    Resource: keyArn,
    Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } } },
  };
}

module.exports = {
  automationRoleResources,
  passRoleStatement,
  splitLedgerWrites,
  kmsDecryptStatement,
  kmsKeyParam,
  LEDGER_WRITES,
};
