import { DescribeInstanceInformationCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { AgentInstance, AgentInventoryPort } from '../core/agent-health.ts';

/**
 * Every managed instance SSM knows, for the agent-health sweep: DescribeInstanceInformation paged
 * with MaxResults 50 and NextToken (no PingStatus filter: the sweep also needs the Online ones, to
 * spot stale pings and reconnections). Stopped and terminated instances are not listed by SSM.
 */
export function ssmAgentInventory(ssm: SSMClient, pageSize = 50): AgentInventoryPort {
  return {
    async list() {
      const out: AgentInstance[] = [];
      let NextToken: string | undefined;
      do {
        const page = await ssm.send(
          new DescribeInstanceInformationCommand({ MaxResults: pageSize, NextToken }),
        );
        for (const i of page.InstanceInformationList ?? []) {
          if (!i.InstanceId) continue;
          out.push({
            instanceId: i.InstanceId,
            pingStatus: i.PingStatus ?? 'Unknown',
            ...(i.LastPingDateTime ? { lastPingDateTime: new Date(i.LastPingDateTime).toISOString() } : {}),
            ...(i.PlatformType ? { platformType: i.PlatformType } : {}),
            ...(i.ResourceType ? { resourceType: i.ResourceType } : {}),
          });
        }
        NextToken = page.NextToken || undefined;
      } while (NextToken);
      return out;
    },
  };
}
