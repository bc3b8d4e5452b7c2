/**
 * The one table of resource ARNs: how the ARN of a resource is built from its Config resource type and
 * id, in the partition of its region (aws-cn, aws-us-gov, …). The opt-out gate reads a resource's tags
 * by this ARN (src/adapters/tags-tagging-api.ts), so a remediation for a type missing here would fail
 * every finding in production: `remediator check` refuses one (src/authoring/check.ts).
 *
 * Adding a resource type: one line below, its ARN format from the service's "Resource types" page in
 * the IAM Service Authorization Reference.
 */
import { partitionOf } from '../model/partition.ts';

interface Where {
  /** AWS partition, e.g. `aws`. */
  p: string;
  /** Region. */
  g: string;
  /** Account id. */
  a: string;
  /** Resource id as Config reports it. */
  id: string;
}

export const RESOURCE_ARNS: Readonly<Record<string, (w: Where) => string>> = {
  'AWS::EC2::SecurityGroup': ({ p, g, a, id }) => `arn:${p}:ec2:${g}:${a}:security-group/${id}`,
  'AWS::EC2::Instance': ({ p, g, a, id }) => `arn:${p}:ec2:${g}:${a}:instance/${id}`,
  'AWS::SSM::ManagedInstance': ({ p, g, a, id }) => `arn:${p}:ssm:${g}:${a}:managed-instance/${id}`,
  'AWS::S3::Bucket': ({ p, id }) => `arn:${p}:s3:::${id}`,
  'AWS::EC2::Volume': ({ p, g, a, id }) => `arn:${p}:ec2:${g}:${a}:volume/${id}`,
};

/** The ARN of a resource; undefined for a type the table does not map. */
export function resourceArn(r: {
  account: string;
  region: string;
  resourceType: string;
  resourceId: string;
}): string | undefined {
  const build = Object.hasOwn(RESOURCE_ARNS, r.resourceType) ? RESOURCE_ARNS[r.resourceType] : undefined;
  return build?.({ p: partitionOf(r.region), g: r.region, a: r.account, id: r.resourceId });
}
