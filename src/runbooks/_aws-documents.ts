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

export interface AwsDocument {
  type: 'Automation' | 'Command';
  parameters: Record<string, AwsDocumentParameter>;
}

export const AWS_DOCUMENTS: Readonly<Record<string, AwsDocument>> = {
  'AWS-DisablePublicAccessForSecurityGroup': {
    type: 'Automation',
    parameters: { GroupId: { required: true }, IpAddressToBlock: {}, AutomationAssumeRole: {} },
  },
  'AWS-DisableS3BucketPublicReadWrite': {
    type: 'Automation',
    parameters: { S3BucketName: { required: true }, AutomationAssumeRole: {} },
  },
  'AWS-EnableS3BucketEncryption': {
    type: 'Automation',
    parameters: { BucketName: { required: true }, SSEAlgorithm: {}, AutomationAssumeRole: {} },
  },
  'AWS-ConfigureS3BucketVersioning': {
    type: 'Automation',
    parameters: { BucketName: { required: true }, VersioningState: {}, AutomationAssumeRole: {} },
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
  },
  'AWS-RestartEC2Instance': {
    type: 'Automation',
    parameters: { InstanceId: { required: true }, AutomationAssumeRole: {} },
  },
};
