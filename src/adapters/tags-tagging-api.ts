import {
  GetResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { partitionOf } from '../core/partition.ts';
import type { ResourceRef, TagsPort } from '../ports/index.ts';

/**
 * ARN of a resource from its Config resource type and id, in the partition of its region (aws-cn,
 * aws-us-gov, …); undefined for types we cannot map.
 */
export function resourceArn(r: ResourceRef): string | undefined {
  const { account: a, region: g, resourceId: id } = r;
  const p = partitionOf(g);
  switch (r.resourceType) {
    case 'AWS::EC2::SecurityGroup':
      return `arn:${p}:ec2:${g}:${a}:security-group/${id}`;
    case 'AWS::EC2::Instance':
      return `arn:${p}:ec2:${g}:${a}:instance/${id}`;
    case 'AWS::SSM::ManagedInstance':
      return `arn:${p}:ssm:${g}:${a}:managed-instance/${id}`;
    case 'AWS::S3::Bucket':
      return `arn:${p}:s3:::${id}`;
    case 'AWS::EC2::Volume':
      return `arn:${p}:ec2:${g}:${a}:volume/${id}`;
    default:
      return undefined;
  }
}

/** Resource tags through the Resource Groups Tagging API (the opt-out gate reads these). */
export function taggingApiTags(client: ResourceGroupsTaggingAPIClient): TagsPort {
  return {
    async tagsFor(r) {
      const arn = resourceArn(r);
      if (!arn)
        throw new Error(`no ARN mapping for resource type ${r.resourceType}, so its tags cannot be read`);
      const out = await client.send(new GetResourcesCommand({ ResourceARNList: [arn] }));
      const tags: Record<string, string> = {};
      for (const m of out.ResourceTagMappingList ?? []) {
        for (const t of m.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
      }
      return tags;
    },
  };
}
