/**
 * AWS Config compliance of a resource, and re-evaluation.
 */
export type ComplianceType =
  'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE' | 'INSUFFICIENT_DATA' | 'UNKNOWN';

export interface ComplianceResult {
  compliance: ComplianceType;
  /** When Config last evaluated (the later of ConfigRuleInvokedTime and ResultRecordedTime), if known. */
  evaluatedAt?: string;
}

export interface CompliancePort {
  /** Config's current compliance of one resource for one rule. */
  check(rule: string, resourceType: string, resourceId: string): Promise<ComplianceResult>;
  /** Asks Config to re-evaluate the rules (StartConfigRulesEvaluation). */
  reevaluate(rules: string[]): Promise<void>;
}
