/**
 * AWS-owned SSM documents remediations may start, with the parameters they declare (AWS-FACTS §6).
 * `remediator check` compares what a plan passes with this table: a parameter the document lacks, a
 * required one the plan omits, or a document not listed here is an error. To use another AWS-owned
 * document, add it here from its page in the runbook reference (or `aws ssm describe-document`).
 */
export interface AwsDocumentParameter {
  /** Declared without a default: every call must pass it. */
  required?: boolean;
}

/** One IAM permission a runbook's steps need, resources as Fn::Sub ARNs (or `*` for unscoped actions). */
export interface StepPermission {
  action: string;
  resources: string[];
}

export interface AwsDocument {
  type: 'Automation' | 'Command';
  parameters: Record<string, AwsDocumentParameter>;
  /**
   * Automation only: what the runbook's steps call, so what the Automation assume role the service
   * ships for it may do (scripts/derive.ts). From the runbook's content (its steps' `aws:executeAwsApi`
   * / `aws:changeInstanceState` / `aws:executeScript` calls) and its "Required IAM permissions" in
   * the Automation runbook reference. Nothing else: no wildcard action, resources named.
   */
  assumeRole?: StepPermission[];
}

const INSTANCES = 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*';
const SECURITY_GROUPS = 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/*';
const BUCKETS = 'arn:${AWS::Partition}:s3:::*';
const unscoped = (...actions: string[]): StepPermission[] =>
  actions.map((action) => ({ action, resources: ['*'] }));

export const AWS_DOCUMENTS: Readonly<Record<string, AwsDocument>> = {
  'AWS-DisablePublicAccessForSecurityGroup': {
    type: 'Automation',
    parameters: { GroupId: { required: true }, IpAddressToBlock: {}, AutomationAssumeRole: {} },
    // aws:executeAwsApi RevokeSecurityGroupIngress (SSH 22 and RDP 3389 from the address to block).
    assumeRole: [
      ...unscoped('ec2:DescribeSecurityGroups'),
      { action: 'ec2:RevokeSecurityGroupIngress', resources: [SECURITY_GROUPS] },
    ],
  },
  'AWS-DisableS3BucketPublicReadWrite': {
    type: 'Automation',
    parameters: { S3BucketName: { required: true }, AutomationAssumeRole: {} },
    // aws:executeAwsApi PutPublicAccessBlock on the bucket.
    assumeRole: [{ action: 's3:PutBucketPublicAccessBlock', resources: [BUCKETS] }],
  },
  'AWS-EnableS3BucketEncryption': {
    type: 'Automation',
    parameters: { BucketName: { required: true }, SSEAlgorithm: {}, AutomationAssumeRole: {} },
    // aws:executeAwsApi PutBucketEncryption, authorised as s3:PutEncryptionConfiguration.
    assumeRole: [{ action: 's3:PutEncryptionConfiguration', resources: [BUCKETS] }],
  },
  'AWS-ConfigureS3BucketVersioning': {
    type: 'Automation',
    parameters: { BucketName: { required: true }, VersioningState: {}, AutomationAssumeRole: {} },
    // aws:executeAwsApi PutBucketVersioning.
    assumeRole: [{ action: 's3:PutBucketVersioning', resources: [BUCKETS] }],
  },
  'AWS-RunPatchBaseline': {
    type: 'Command',
    parameters: {
      Operation: { required: true },
      SnapshotId: {},
      InstallOverrideList: {},
      RebootOption: {},
      BaselineOverride: {},
      AssociationId: {},
    },
  },
  'AWSSupport-TroubleshootManagedInstance': {
    type: 'Automation',
    parameters: { InstanceId: { required: true }, AutomationAssumeRole: {} },
    // Read-only diagnosis: the instance, its subnet's routes, NACLs, VPC endpoints, security groups,
    // the agent's registration, and the instance profile's role.
    assumeRole: [
      ...unscoped(
        'ec2:DescribeInstances',
        'ec2:DescribeSubnets',
        'ec2:DescribeRouteTables',
        'ec2:DescribeNetworkAcls',
        'ec2:DescribeVpcEndpoints',
        'ec2:DescribeSecurityGroups',
        'ssm:DescribeInstanceInformation',
      ),
      {
        action: 'iam:GetInstanceProfile',
        resources: ['arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/*'],
      },
    ],
  },
  'AWS-RestartEC2Instance': {
    type: 'Automation',
    parameters: { InstanceId: { required: true }, AutomationAssumeRole: {} },
    // aws:changeInstanceState stopped, then running (it polls DescribeInstanceStatus).
    assumeRole: [
      { action: 'ec2:StopInstances', resources: [INSTANCES] },
      { action: 'ec2:StartInstances', resources: [INSTANCES] },
      ...unscoped('ec2:DescribeInstanceStatus', 'ec2:DescribeInstances'),
    ],
  },
};
