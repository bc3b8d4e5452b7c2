import { configRuleRemediation } from './_config-rule.ts';

export default configRuleRemediation({
  id: 's3-bucket-public-read-prohibited',
  title: 'Remove public read access from an S3 bucket',
  description:
    'Config rule s3-bucket-public-read-prohibited found a bucket readable by anyone. AWS-DisableS3BucketPublicReadWrite blocks public access.',
  rules: ['s3-bucket-public-read-prohibited'],
  resourceType: 'AWS::S3::Bucket',
  document: 'AWS-DisableS3BucketPublicReadWrite',
  resourceParameter: 'S3BucketName',
  resourceKind: 's3BucketName',
  defaultMode: 'auto',
  exampleId: 'acme-public-assets',
  badExampleId: 'Acme_Bucket',
});
