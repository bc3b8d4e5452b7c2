/**
 * What a remediation may declare in `permissions`, in one place for `remediator check` and
 * scripts/derive.ts (which writes the IAM statements).
 *
 * - ssm:StartAutomationExecution and ssm:SendCommand: a plain action; their resources are derived
 *   from the remediation's documents.
 * - An action on UNSCOPED_ACTIONS: a plain action, granted on `*` (it supports no resource type).
 * - Any other action: `{ action, resources: [ARN, …] }`; the ARNs are written through Fn::Sub, so
 *   `${AWS::Partition}`, `${AWS::Region}` and `${AWS::AccountId}` may be used.
 * - Never iam:PassRole (the Automation assume roles are shipped and passed by the plugin, with a
 *   PassedToService condition) and never a wildcard action.
 */

/** An extra IAM permission a remediation declares. */
export type Permission = string | { action: string; resources: string[] };

/** Actions whose resources come from the remediation's documents (scripts/derive.ts). */
export const DOCUMENT_ACTIONS = ['ssm:StartAutomationExecution', 'ssm:SendCommand'] as const;

/**
 * Actions that support no resource type, so IAM only accepts them on `Resource: "*"`. From the
 * Service Authorization Reference ("Actions, resources, and condition keys for <service>": the
 * Resource types column is empty for these):
 * https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 * Keep it to read-only describes and lists; add an action only after checking its row there.
 */
export const UNSCOPED_ACTIONS: readonly string[] = [
  'ec2:DescribeInstances',
  'ec2:DescribeInstanceStatus',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSecurityGroupRules',
  'ec2:DescribeVolumes',
  'ec2:DescribeSubnets',
  'ec2:DescribeRouteTables',
  'ec2:DescribeNetworkAcls',
  'ec2:DescribeVpcEndpoints',
  'ssm:DescribeInstanceInformation',
  'ssm:DescribeAutomationExecutions',
  'sts:GetCallerIdentity',
  's3:ListAllMyBuckets',
];

/** Never declarable, whatever the resources. */
export const FORBIDDEN_ACTIONS: Readonly<Record<string, string>> = {
  'iam:PassRole':
    'lets the function hand any role to a service; the stage’s automationAssumeRole is passed by the plugin, scoped to ssm.amazonaws.com',
};

/** One IAM action, no wildcard. */
export const IAM_ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

export const permissionAction = (p: Permission): string => (typeof p === 'string' ? p : p.action);
