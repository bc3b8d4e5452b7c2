/**
 * The ledger's partition-key prefixes (src/adapters/ledger-*.ts write `<PREFIX>#…`), for the
 * `dynamodb:LeadingKeys` conditions the plugin puts on every role's ledger writes. A test reads the
 * adapter and fails on a prefix missing here: a write under an unlisted prefix would be denied by IAM.
 */

/**
 * Prefixes whose next segment is a remediation id: a role may write only those of its remediations.
 * `<P>#<id>#<resource>` for the first four (BACKFILL: src/adapters/backfill-marks-dynamodb.ts), `<P>#<id>`
 * for the last two.
 */
export const REMEDIATION_RESOURCE_KEY_PREFIXES = ['CLAIM', 'LOCK', 'DEFER', 'BACKFILL'] as const;
export const REMEDIATION_KEY_PREFIXES = ['DONE', 'BREAKER'] as const;

/**
 * Prefixes shared by every remediation (executions, budget, outcomes, guard trips, the admission
 * counter `SLOTS#automation` of src/adapters/ledger-slots.ts, approval requests `APPROVAL#<id>` of
 * src/adapters/approvals-dynamodb.ts: an acting role asks, the reconcile role decides and expires).
 */
export const SHARED_KEY_PREFIXES = ['EXEC', 'BUDGET', 'OUT', 'TRIP', 'SLOTS', 'APPROVAL'] as const;

/** The approval-callback function's role may write only approval requests (docs/approvals.md). */
export const APPROVAL_CALLBACK_KEY_PREFIXES = ['APPROVAL'] as const;

/** Only the agent-health sweep's debounce counters (its role alone may write them). */
export const SWEEP_KEY_PREFIXES = ['COUNTER'] as const;

/**
 * The LeadingKeys patterns (IAM StringLike) for a role acting for these remediations, or for every
 * remediation (`'all'`: the remediation-scoped prefixes with any id; never the sweep's counters).
 */
export function leadingKeyPatterns(remediationIds: readonly string[] | 'all'): string[] {
  if (remediationIds === 'all')
    return [...REMEDIATION_RESOURCE_KEY_PREFIXES, ...REMEDIATION_KEY_PREFIXES, ...SHARED_KEY_PREFIXES].map(
      (p) => `${p}#*`,
    );
  return [
    ...REMEDIATION_RESOURCE_KEY_PREFIXES.flatMap((p) => remediationIds.map((id) => `${p}#${id}#*`)),
    ...REMEDIATION_KEY_PREFIXES.flatMap((p) => remediationIds.map((id) => `${p}#${id}`)),
    ...SHARED_KEY_PREFIXES.map((p) => `${p}#*`),
  ];
}
