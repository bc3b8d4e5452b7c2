import { DescribeInstanceAssociationsStatusCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { AssociationFact } from '../model/types.ts';
import type { AssociationsPort } from '../ports/index.ts';

/** The State Manager associations on one instance and how each last ran (DescribeInstanceAssociationsStatus, paged). */
export function ssmAssociations(ssm: SSMClient): AssociationsPort {
  return {
    async onInstance(instanceId) {
      const out: AssociationFact[] = [];
      let NextToken: string | undefined;
      do {
        const page = await ssm.send(
          new DescribeInstanceAssociationsStatusCommand({
            InstanceId: instanceId,
            MaxResults: 50,
            NextToken,
          }),
        );
        for (const a of page.InstanceAssociationStatusInfos ?? []) {
          if (!a.AssociationId) continue;
          out.push({
            associationId: a.AssociationId,
            status: a.Status ?? 'Unknown',
            ...(a.Name ? { name: a.Name } : {}),
            ...(a.ExecutionDate ? { executionDate: a.ExecutionDate.toISOString() } : {}),
          });
        }
        NextToken = page.NextToken || undefined;
      } while (NextToken);
      return out;
    },
  };
}
