/**
 * What AWS Config records NON_COMPLIANT now, per rule: GetComplianceDetailsByConfigRule, 100 a page,
 * every page (the SDK's retries take throttling). A rule Config does not know lists nothing.
 */
import {
  GetComplianceDetailsByConfigRuleCommand,
  type ConfigServiceClient,
} from '@aws-sdk/client-config-service';
import { errorName } from '../model/errors.ts';
import type { NonCompliantPort, NonCompliantResource } from '../ports/backfill.ts';

export function configNonCompliant(config: ConfigServiceClient): NonCompliantPort {
  return {
    async *list(rule): AsyncIterable<NonCompliantResource> {
      let NextToken: string | undefined;
      do {
        let out;
        try {
          out = await config.send(
            new GetComplianceDetailsByConfigRuleCommand({
              ConfigRuleName: rule,
              ComplianceTypes: ['NON_COMPLIANT'],
              Limit: 100,
              NextToken,
            }),
          );
        } catch (e) {
          if (errorName(e) === 'NoSuchConfigRuleException') return;
          throw e;
        }
        for (const r of out.EvaluationResults ?? []) {
          const q = r.EvaluationResultIdentifier?.EvaluationResultQualifier;
          const ordering = r.EvaluationResultIdentifier?.OrderingTimestamp ?? r.ResultRecordedTime;
          if (!q?.ResourceType || !q.ResourceId || !ordering || r.ComplianceType !== 'NON_COMPLIANT')
            continue;
          yield {
            rule,
            resourceType: q.ResourceType,
            resourceId: q.ResourceId,
            orderingTime: new Date(ordering).toISOString(),
            ...(r.Annotation ? { annotation: r.Annotation } : {}),
          };
        }
        NextToken = out.NextToken;
      } while (NextToken);
    },
  };
}
