/**
 * What backfill needs besides the engine's ports: Config's list of what is NON_COMPLIANT now, and the
 * ledger's note of what backfill already fed (so a resource is fed once per refeed window, not every run).
 */

/** One resource Config records NON_COMPLIANT for a rule (GetComplianceDetailsByConfigRule). */
export interface NonCompliantResource {
  rule: string;
  resourceType: string;
  resourceId: string;
  /** The evaluation's OrderingTimestamp (ISO): the finding's ordering time, as an event would carry it. */
  orderingTime: string;
  annotation?: string;
}

export interface NonCompliantPort {
  /** Every resource NON_COMPLIANT for the rule, page by page (a rule Config does not know: none). */
  list(rule: string): AsyncIterable<NonCompliantResource>;
}

export interface BackfillMarksPort {
  /**
   * Whether backfill should leave this (remediation, resource) alone: the ledger holds it (a deferral),
   * or backfill fed it since `since`.
   */
  seen(remediationId: string, resourceId: string, since: Date): Promise<boolean>;
  /** Notes that backfill fed it now (kept `ttlDays`). */
  mark(remediationId: string, resourceId: string, now: Date, ttlDays: number): Promise<void>;
}
