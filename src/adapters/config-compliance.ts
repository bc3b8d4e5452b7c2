import {
  GetComplianceDetailsByResourceCommand,
  StartConfigRulesEvaluationCommand,
  type ConfigServiceClient,
} from '@aws-sdk/client-config-service';
import type { CompliancePort, ComplianceResult, ComplianceType } from '../ports/compliance.ts';
import { errorName } from '../model/errors.ts';
import { transient } from './retry.ts';

const KNOWN = new Set<ComplianceType>(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA']);

/**
 * AWS Config reads for the ledger: the current compliance of one resource under one rule
 * (GetComplianceDetailsByResource) and re-evaluation after a fix (StartConfigRulesEvaluation).
 * A resource Config has no result for is UNKNOWN, never assumed compliant.
 */
export function configCompliance(config: ConfigServiceClient): CompliancePort {
  return {
    async check(rule, resourceType, resourceId): Promise<ComplianceResult> {
      let NextToken: string | undefined;
      do {
        const out = await config.send(
          new GetComplianceDetailsByResourceCommand({
            ResourceType: resourceType,
            ResourceId: resourceId,
            NextToken,
          }),
        );
        for (const r of out.EvaluationResults ?? []) {
          const q = r.EvaluationResultIdentifier?.EvaluationResultQualifier;
          if (q?.ConfigRuleName !== rule) continue;
          const c = r.ComplianceType as ComplianceType | undefined;
          const times = [r.ResultRecordedTime, r.ConfigRuleInvokedTime].filter(
            (d): d is Date => d !== undefined,
          );
          const latest = times.length ? Math.max(...times.map((d) => new Date(d).getTime())) : undefined;
          return {
            compliance: c && KNOWN.has(c) ? c : 'UNKNOWN',
            ...(latest !== undefined ? { evaluatedAt: new Date(latest).toISOString() } : {}),
          };
        }
        NextToken = out.NextToken;
      } while (NextToken);
      return { compliance: 'UNKNOWN' };
    },
    async reevaluate(rules) {
      if (rules.length === 0) return;
      await transient(`StartConfigRulesEvaluation ${rules.join(',')}`, async () => {
        try {
          await config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: rules.slice(0, 25) }));
        } catch (e) {
          // An evaluation already in progress (or requested within the minute) serves just as well.
          // (The SDK counts LimitExceededException as throttling, so it has retried it first.)
          if (errorName(e) !== 'LimitExceededException') throw e;
        }
      });
    },
  };
}
