import { configRuleRemediation } from './_config-rule.ts';

export default configRuleRemediation({
  id: 's3-bucket-server-side-encryption-enabled',
  title: 'Turn on default encryption for an S3 bucket',
  description:
    'Config rule s3-bucket-server-side-encryption-enabled found a bucket without default encryption. AWS-EnableS3BucketEncryption sets SSE-S3 (AES256).',
  rules: ['s3-bucket-server-side-encryption-enabled'],
  resourceType: 'AWS::S3::Bucket',
  document: 'AWS-EnableS3BucketEncryption',
  resourceParameter: 'BucketName',
  resourceKind: 's3BucketName',
  fixedParameters: { SSEAlgorithm: 'AES256' },
  defaultMode: 'auto',
  exampleId: 'acme-invoices-2025',
  badExampleId: 'acme..invoices/../',
});
