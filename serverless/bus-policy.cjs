'use strict';
/**
 * The resource policy of the service's own event bus (RemediatorBus), and the package-time check of
 * the principals a stage names. Same-account callers with events:PutEvents in their identity policy
 * may put events on any bus unless a resource policy denies them, so the policy denies everyone but
 * the agent sweep's role, the complete and remediate functions' roles (`Admission Slot Freed` only) and the stage's
 * operator principals, and denies each of those any source or
 * detail-type but its own. The Allow statements make the same grants explicit (and would be needed
 * for an operator principal of another account).
 */

const AGENT = { source: 'ssm-remediator', detailType: 'SSM Agent Disconnected' };
/** The complete function's signal to the reconcile function (docs/quota-waits.md). */
const SLOT_FREED = { source: 'ssm-remediator', detailType: 'Admission Slot Freed' };
/** The approval-callback function's signal to the reconcile function (docs/approvals.md). */
const APPROVAL_DECIDED = { source: 'ssm-remediator', detailType: 'Approval Decided' };
/** The operator's events: a manual run, a backfill run, an approval decided (docs/cli.md). */
const OPERATOR = {
  source: 'ssm-remediator.operator',
  detailType: ['Remediation Requested', 'Backfill Requested', 'Approval Decided'],
};

/** An IAM role or user ARN, no wildcard (what `operatorPrincipals` and `automationAssumeRole` accept). */
const PRINCIPAL_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** The comma-separated `operatorPrincipals` param as a list of ARNs; throws naming a bad one. */
function operatorPrincipals(param) {
  const list = String(param ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const arn of list) {
    if (!PRINCIPAL_ARN.test(arn)) {
      throw new Error(
        `remediator: operatorPrincipals: ${JSON.stringify(arn)} is not the ARN of an IAM role or user (no wildcards)`,
      );
    }
  }
  return list;
}

/** The `automationAssumeRole` param ('' or a role ARN without wildcards); throws naming it. */
function assumeRoleParam(param) {
  const arn = String(param ?? '').trim();
  if (arn !== '' && !ROLE_ARN.test(arn)) {
    throw new Error(
      `remediator: automationAssumeRole: ${JSON.stringify(arn)} is not the ARN of an IAM role (arn:aws:iam::<account>:role/<name>, no wildcards)`,
    );
  }
  return arn;
}

/**
 * The bus policy document. `sweepRoleArn` is a CloudFormation value (`{ 'Fn::GetAtt': [...] }`),
 * `busArn` likewise; `operators` plain ARNs.
 */
function busPolicy({ busArn, sweepRoleArn, completeRoleArn, remediateRoleArn, approvalRoleArn, operators }) {
  const put = { Action: 'events:PutEvents', Resource: busArn };
  const only = (sid, principal, { source, detailType }) => [
    {
      Sid: `Allow${sid}`,
      Effect: 'Allow',
      Principal: { AWS: principal },
      ...put,
      Condition: { StringEquals: { 'events:source': source, 'events:detail-type': detailType } },
    },
    {
      Sid: `Deny${sid}OtherSources`,
      Effect: 'Deny',
      Principal: '*',
      ...put,
      Condition: {
        ArnEquals: { 'aws:PrincipalArn': principal },
        StringNotEquals: { 'events:source': source },
      },
    },
    {
      Sid: `Deny${sid}OtherDetailTypes`,
      Effect: 'Deny',
      Principal: '*',
      ...put,
      Condition: {
        ArnEquals: { 'aws:PrincipalArn': principal },
        StringNotEquals: { 'events:detail-type': detailType },
      },
    },
  ];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyEveryoneElse',
        Effect: 'Deny',
        Principal: '*',
        ...put,
        Condition: {
          ArnNotEquals: {
            'aws:PrincipalArn': [
              sweepRoleArn,
              ...(completeRoleArn ? [completeRoleArn] : []),
              ...(remediateRoleArn ? [remediateRoleArn] : []),
              ...(approvalRoleArn ? [approvalRoleArn] : []),
              ...operators,
            ],
          },
        },
      },
      ...only('AgentSweep', sweepRoleArn, AGENT),
      ...(completeRoleArn ? only('CompleteSlotFreed', completeRoleArn, SLOT_FREED) : []),
      // A failed start's slot given back (the remediate function): the same event, nothing else.
      ...(remediateRoleArn ? only('RemediateSlotFreed', remediateRoleArn, SLOT_FREED) : []),
      ...(approvalRoleArn ? only('ApprovalDecided', approvalRoleArn, APPROVAL_DECIDED) : []),
      ...(operators.length > 0 ? only('Operators', operators, OPERATOR) : []),
    ],
  };
}

module.exports = {
  busPolicy,
  operatorPrincipals,
  assumeRoleParam,
  AGENT,
  OPERATOR,
  SLOT_FREED,
  APPROVAL_DECIDED,
};
