/** scripts/derive.ts: the IAM statements of declared extra permissions use the declared resources. */
import { expect, test } from 'vitest';
import { derive } from '../../scripts/derive.ts';
import { defineRemediation, type Remediation } from '../../src/core/remediation.ts';

const SG_ARN = 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/*';

const remediation = (permissions: Remediation['permissions']) =>
  defineRemediation({
    id: 'derived-fix',
    title: 'Derived fix',
    trigger: 'config.noncompliant',
    applies: () => true,
    defaultMode: 'shadow',
    documents: [{ name: 'AWS-DisablePublicAccessForSecurityGroup', type: 'Automation' }],
    permissions,
    plan: () => [],
    examples: [],
  });

const statementsOf = (permissions: Remediation['permissions']) =>
  derive([{ file: 'derived-fix.ts', remediation: remediation(permissions) }]).statements[
    'config.noncompliant'
  ];

test('a declared extra permission is granted on the ARNs it names, through Fn::Sub, never on *', () => {
  const [, revoke] = statementsOf([
    'ssm:StartAutomationExecution',
    { action: 'ec2:RevokeSecurityGroupIngress', resources: [SG_ARN] },
  ]);
  expect(revoke).toEqual({
    Sid: 'Runbookderivedfixec2RevokeSecurityGroupIngress',
    Effect: 'Allow',
    Action: ['ec2:RevokeSecurityGroupIngress'],
    Resource: [{ 'Fn::Sub': SG_ARN }],
  });
});

test('an action with no resource type is granted on *; a scoped action without resources is refused', () => {
  expect(statementsOf(['ec2:DescribeSecurityGroups'])[0]!.Resource).toEqual(['*']);
  expect(() => statementsOf(['ec2:RevokeSecurityGroupIngress'])).toThrow(
    /derived-fix: permission ec2:RevokeSecurityGroupIngress must name its resources/,
  );
});

test('the document actions keep their document-derived resources', () => {
  const [start] = statementsOf(['ssm:StartAutomationExecution']);
  expect(start!.Resource).toEqual([
    {
      'Fn::Sub':
        'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:automation-definition/AWS-DisablePublicAccessForSecurityGroup:*',
    },
  ]);
});
