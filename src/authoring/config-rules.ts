/**
 * The resource type an AWS Config rule evaluates, read from its name the way AWS names its managed
 * rules (`s3-bucket-…` evaluates buckets, `vpc-sg-…` security groups, …). Only prefixes whose rules
 * all evaluate one type are listed; a rule matching none is not checked.
 */
const BY_PREFIX: ReadonlyArray<readonly [prefix: string, resourceType: string]> = [
  ['restricted-ssh', 'AWS::EC2::SecurityGroup'],
  ['restricted-common-ports', 'AWS::EC2::SecurityGroup'],
  ['restricted-incoming-traffic', 'AWS::EC2::SecurityGroup'],
  ['vpc-sg-', 'AWS::EC2::SecurityGroup'],
  ['vpc-default-security-group', 'AWS::EC2::SecurityGroup'],
  ['ec2-security-group', 'AWS::EC2::SecurityGroup'],
  ['s3-bucket-', 'AWS::S3::Bucket'],
  ['ebs-volume', 'AWS::EC2::Volume'],
  ['encrypted-volumes', 'AWS::EC2::Volume'],
  ['ec2-volume', 'AWS::EC2::Volume'],
  ['ec2-instance-', 'AWS::EC2::Instance'],
  ['ebs-optimized-instance', 'AWS::EC2::Instance'],
  ['rds-instance-', 'AWS::RDS::DBInstance'],
  ['dynamodb-table-', 'AWS::DynamoDB::Table'],
  ['lambda-function-', 'AWS::Lambda::Function'],
  ['iam-user-', 'AWS::IAM::User'],
  ['sns-encrypted', 'AWS::SNS::Topic'],
];

/** The resource type `rule` evaluates, when its name says (the longest matching prefix wins). */
export function resourceTypeOfRule(rule: string): string | undefined {
  let best: readonly [string, string] | undefined;
  for (const entry of BY_PREFIX)
    if (rule.startsWith(entry[0]) && entry[0].length > (best?.[0].length ?? -1)) best = entry;
  return best?.[1];
}
