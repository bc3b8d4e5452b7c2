/**
 * The report of a finished execution: its outcomes (one per resource; a command's per-instance status
 * where it has one) recorded and announced once, the run kept for the circuit breaker, and the breaker
 * checked after a failure (src/core/guard-report.ts). Also the "ignored" result of a completion that
 * is not ours or was already reported.
 */
import type { CompletionSignal } from '../events/completion.ts';
import { report } from './announce.ts';
import type { CompletionDeps, CompletionResult } from './completion.ts';
import { errorMessage } from '../model/errors.ts';
import type { Verdict } from './execution-status.ts';
import { checkBreaker } from './guard-report.ts';
import type { StoredExecution } from '../ports/ledger-store.ts';
import type { Action, Outcome, OutcomeBase } from '../model/types.ts';

/** A completion that changes nothing (not ours, not terminal, already reported): logged, not announced. */
export function ignored(deps: CompletionDeps, reason: string, s?: CompletionSignal): CompletionResult {
  deps.log.info('completion ignored', {
    reason,
    executionId: s?.executionId,
    status: s?.status,
    completionEventId: s?.eventId,
  });
  return { status: 'ignored', reason, ...(s ? { executionId: s.executionId } : {}) };
}

/** The action the execution carried out, as the console link and the notifier expect it. */
function actionOf(exec: StoredExecution): Action {
  return exec.kind === 'automation'
    ? { kind: 'startAutomation', document: exec.document, parameters: {} }
    : {
        kind: 'sendCommand',
        document: exec.document,
        parameters: {},
        instanceIds: exec.resourceIds,
        maxConcurrency: '',
        maxErrors: '',
        timeoutSeconds: 0,
      };
}

/** Records and announces the outcomes of a finished execution (once: its phase transition was won). */
export async function reportFinished(
  exec: StoredExecution,
  verdict: Verdict,
  code: 'verified' | 'execution-failed' | 'not-fixed' | undefined,
  reason: string,
  deps: CompletionDeps,
  perInstance?: Record<string, string>,
): Promise<CompletionResult> {
  const now = deps.now();
  const base: Omit<OutcomeBase, 'resourceId' | 'reason'> & { executionId: string } = {
    eventId: exec.eventId,
    remediation: exec.remediationId,
    family: exec.family,
    resourceType: exec.resourceType,
    account: exec.account,
    region: exec.region,
    executionId: exec.executionId,
    actions: [actionOf(exec)],
    at: now.toISOString(),
  };
  const outcomes: Outcome[] = exec.resourceIds.map((resourceId): Outcome => {
    const own = perInstance?.[resourceId];
    const ownVerdict =
      exec.resourceIds.length > 1 && own ? (own === 'Success' ? 'succeeded' : 'failed') : verdict;
    const ownReason = exec.resourceIds.length > 1 && own ? `${own} on ${resourceId}; ${reason}` : reason;
    // Each instance's outcome carries the code of its own kind (an instance that succeeded in a
    // command that failed elsewhere is `succeeded`, with no failure code).
    return ownVerdict === 'succeeded'
      ? {
          ...base,
          resourceId,
          outcome: 'succeeded',
          reason: ownReason,
          ...(code === 'verified' ? { code } : {}),
        }
      : {
          ...base,
          resourceId,
          outcome: 'failed',
          reason: ownReason,
          code: code === 'not-fixed' ? code : 'execution-failed',
        };
  });
  try {
    await deps.ledger.recordFinished(exec.remediationId, exec.executionId, verdict, now, reason);
  } catch (e) {
    deps.log.error('finished execution not recorded for the circuit breaker', {
      executionId: exec.executionId,
      error: errorMessage(e),
    });
  }
  await report(outcomes, deps);
  if (verdict === 'failed') await checkBreaker(exec.remediationId, deps);
  return { status: 'closed', executionId: exec.executionId, outcomes };
}
