/**
 * Verification of a Config fix: after a successful run, the completion path asks Config to
 * re-evaluate and the execution waits in phase `verifying`; this decides, on each look (the
 * completion itself, then each reconcile sweep), whether Config confirms the fix.
 */
import type { CompletionDeps, CompletionResult } from './completion.ts';
import { ignored, reportFinished } from './completion-report.ts';
import { errorMessage } from '../model/errors.ts';
import type { Verdict } from './execution-status.ts';
import type { StoredExecution } from '../ports/ledger-store.ts';

/**
 * Verification of a Config fix: COMPLIANT → succeeded ("fixed"); NON_COMPLIANT re-evaluated after
 * the run, or still not compliant after the timeout → failed ("ran but not fixed"); else wait.
 */
export async function verifyExecution(
  exec: StoredExecution,
  deps: CompletionDeps,
): Promise<CompletionResult> {
  const now = deps.now();
  const rule = exec.rule!;
  const resourceId = exec.resourceIds[0]!;
  let c;
  try {
    c = await deps.compliance.check(rule, exec.resourceType, resourceId);
  } catch (e) {
    deps.log.warn('Config compliance unreadable; verification retried on the next sweep', {
      executionId: exec.executionId,
      error: errorMessage(e),
    });
    return { status: 'verifying', executionId: exec.executionId };
  }
  const requested = exec.verifyRequestedAt ?? exec.finishedAt ?? exec.startedAt;
  const timedOut = now.getTime() - Date.parse(requested) >= deps.options.verifyTimeoutMinutes * 60_000;
  let verdict: Verdict | undefined;
  let reason = '';
  if (c.compliance === 'COMPLIANT' || c.compliance === 'NOT_APPLICABLE') {
    verdict = 'succeeded';
    reason = `fixed: Config reports ${rule} ${c.compliance} for ${resourceId} after ${exec.reason ?? 'the run'}`;
  } else if (c.compliance === 'NON_COMPLIANT' && c.evaluatedAt && c.evaluatedAt >= requested) {
    verdict = 'failed';
    reason = `ran but not fixed: ${exec.reason ?? 'the run succeeded'}, yet Config re-evaluated ${rule} at ${c.evaluatedAt} and still reports ${resourceId} NON_COMPLIANT`;
  } else if (timedOut) {
    verdict = 'failed';
    reason = `ran but not fixed: ${exec.reason ?? 'the run succeeded'}, yet ${deps.options.verifyTimeoutMinutes} min later Config reports ${rule} ${c.compliance} for ${resourceId}`;
  }
  if (!verdict) return { status: 'verifying', executionId: exec.executionId };
  const won = await deps.ledger.transitionExecution(
    exec.executionId,
    'verifying',
    'done',
    { result: verdict, reason },
    now,
  );
  if (!won) return ignored(deps, `execution ${exec.executionId} was already verified`);
  return reportFinished(exec, verdict, verdict === 'succeeded' ? 'verified' : 'not-fixed', reason, deps);
}
