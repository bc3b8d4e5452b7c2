/**
 * The dry-run functions `remediator check` calls, bundled together with the remediations it loads so
 * that both share one copy of the core (a ValidationError thrown by a plan is the one decide() knows).
 */
import { dryRunRemediation } from '../core/dry-run.ts';
import type { Remediation, RemediationExample } from '../core/remediation.ts';
import type { Action, Finding } from '../model/types.ts';
import { parseFinding } from '../events/finding.ts';
import { taintedParameters, type Tainted } from './taint.ts';

export { runExample } from '../core/dry-run.ts';

/** An assume role for the check's dry runs, so plans show the AutomationAssumeRole they would pass. */
export const CHECK_ASSUME_ROLE = 'arn:aws:iam::123456789012:role/ssm-remediator-check';

/** The actions the plan returns for the example's event, in auto mode with an assume role set. */
export function planActions(r: Remediation, ex: RemediationExample): Action[] {
  let finding: Finding;
  try {
    finding = parseFinding(ex.event);
  } catch {
    return [];
  }
  if (r.trigger !== finding.family || !r.applies(finding)) return [];
  return dryRunRemediation(finding, r, { ...ex.facts, mode: 'auto', assumeRoleArn: CHECK_ASSUME_ROLE })
    .actions;
}

/** Where the plan passes an event value of the example's event to a parameter unvalidated (taint.ts). */
export function taintedByExample(r: Remediation, ex: RemediationExample): Tainted[] {
  return taintedParameters(ex.event, (event) => planActions(r, { ...ex, event }));
}
