import { configRuleRemediation } from './_config-rule.ts';

export default configRuleRemediation({
  id: 's3-bucket-versioning-enabled',
  title: 'Turn on versioning for an S3 bucket',
  description:
    'Config rule s3-bucket-versioning-enabled found a bucket without versioning. AWS-ConfigureS3BucketVersioning enables it.',
  rules: ['s3-bucket-versioning-enabled'],
  resourceType: 'AWS::S3::Bucket',
  document: 'AWS-ConfigureS3BucketVersioning',
  resourceParameter: 'BucketName',
  resourceKind: 's3BucketName',
  fixedParameters: { VersioningState: 'Enabled' },
  defaultMode: 'shadow',
  exampleId: 'acme-backups',
  badExampleId: '-acme-backups',
});
