import { DescribeInstanceInformationCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { InstanceFact } from '../model/types.ts';
import type { FleetPort } from '../ports/index.ts';

/** Agent status of specific instances (DescribeInstanceInformation, InstanceIds filter, paged). */
export function ssmFleet(ssm: SSMClient): FleetPort {
  return {
    async describe(instanceIds) {
      const facts: Record<string, InstanceFact> = {};
      for (const id of instanceIds) facts[id] = { instanceId: id, pingStatus: 'Unknown' };
      for (let i = 0; i < instanceIds.length; i += 50) {
        let NextToken: string | undefined;
        do {
          const out = await ssm.send(
            new DescribeInstanceInformationCommand({
              Filters: [{ Key: 'InstanceIds', Values: instanceIds.slice(i, i + 50) }],
              MaxResults: 50,
              NextToken,
            }),
          );
          for (const info of out.InstanceInformationList ?? []) {
            if (!info.InstanceId) continue;
            facts[info.InstanceId] = {
              instanceId: info.InstanceId,
              pingStatus: (info.PingStatus as InstanceFact['pingStatus']) ?? 'Unknown',
              platformType: info.PlatformType,
              lastPingDateTime: info.LastPingDateTime?.toISOString(),
            };
          }
          NextToken = out.NextToken || undefined;
        } while (NextToken);
      }
      return facts;
    },
  };
}
