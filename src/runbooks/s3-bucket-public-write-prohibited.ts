import { configRuleRemediation } from './_config-rule.ts';

export default configRuleRemediation({
  id: 's3-bucket-public-write-prohibited',
  title: 'Remove public write access from an S3 bucket',
  description:
    'Config rule s3-bucket-public-write-prohibited found a bucket writable by anyone. AWS-DisableS3BucketPublicReadWrite blocks public access.',
  rules: ['s3-bucket-public-write-prohibited'],
  resourceType: 'AWS::S3::Bucket',
  document: 'AWS-DisableS3BucketPublicReadWrite',
  resourceParameter: 'S3BucketName',
  resourceKind: 's3BucketName',
  defaultMode: 'auto',
  exampleId: 'acme-upload-drop',
  badExampleId: 'x',
});
