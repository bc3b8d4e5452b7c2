import {
  DescribeAutomationExecutionsCommand,
  ListTagsForResourceCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { OwnAutomation, OwnExecutionsPort } from '../ports/own-executions.ts';
import { transient } from './retry.ts';

/**
 * The service's own Automation executions, found by tag (recovery, src/core/recovery.ts):
 * DescribeAutomationExecutions filtered on a tag key and a start-time window (paged), and
 * ListTagsForResource on one execution for its tag values.
 */
export function ssmOwnExecutions(ssm: SSMClient): OwnExecutionsPort {
  return {
    async list(tagKey, startedAfter, startedBefore) {
      const out: OwnAutomation[] = [];
      let NextToken: string | undefined;
      do {
        const page = await transient('DescribeAutomationExecutions', () =>
          ssm.send(
            new DescribeAutomationExecutionsCommand({
              Filters: [
                { Key: 'TagKey', Values: [tagKey] },
                { Key: 'StartTimeAfter', Values: [startedAfter.toISOString()] },
                { Key: 'StartTimeBefore', Values: [startedBefore.toISOString()] },
              ],
              MaxResults: 50,
              NextToken,
            }),
          ),
        );
        for (const m of page.AutomationExecutionMetadataList ?? []) {
          if (!m.AutomationExecutionId) continue;
          out.push({
            executionId: m.AutomationExecutionId,
            document: m.DocumentName ?? '',
            status: m.AutomationExecutionStatus ?? 'Unknown',
            ...(m.ExecutionStartTime ? { startTime: new Date(m.ExecutionStartTime).toISOString() } : {}),
          });
        }
        NextToken = page.NextToken || undefined;
      } while (NextToken);
      return out;
    },

    async tags(executionId) {
      const out = await transient(`ListTagsForResource ${executionId}`, () =>
        ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Automation', ResourceId: executionId })),
      );
      return Object.fromEntries((out.TagList ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    },
  };
}
