/**
 * Completion: an execution the service started has ended. Matches `EC2 Automation Execution
 * Status-change Notification` and `EC2 Command Status-change Notification` (or a reconcile poll)
 * to the ledger's execution record, records the final status once, releases the in-flight lock,
 * asks Config to verify a Config fix, and reports the outcome with the failed step or the
 * per-instance counts through the one announcing path (`announce.ts`). Executions the ledger does
 * not know are not ours: ignored.
 */
import type { Registry } from './registry.ts';
import type { LogPort, MetricsPort, NotifierPort } from '../ports/index.ts';
import { parseCompletion, type CompletionSignal } from '../events/completion.ts';
import { report } from './announce.ts';
import { signalSlotFreed } from './admission-release.ts';
import type { EventPublisherPort } from './agent-health.ts';
import { errorMessage } from './errors.ts';
import { automationReason, commandReason, terminalVerdict, type Verdict } from './execution-status.ts';
import { checkBreaker } from './guard-report.ts';
import type { CompliancePort, ExecutionsPort, LedgerStore, StoredExecution } from './ledger-types.ts';
import type { LedgerRuntimeOptions } from './runtime-options.ts';
import type { Action, Outcome, OutcomeBase } from './types.ts';

// Moved by capability; re-exported so callers keep importing them from here.
export * from './execution-status.ts';
export * from './runtime-options.ts';
export * from './guard-report.ts';
export { parseCompletion, type CompletionSignal } from '../events/completion.ts';
export { report } from './announce.ts';

export interface CompletionDeps {
  registry: Registry;
  ledger: LedgerStore;
  executions: ExecutionsPort;
  compliance: CompliancePort;
  notifier: NotifierPort;
  log: LogPort;
  now: () => Date;
  options: LedgerRuntimeOptions;
  metrics?: MetricsPort;
  /** The service's bus, for `Admission Slot Freed` (the complete function only; src/core/admission-release.ts). */
  slotSignal?: EventPublisherPort;
}

export type CompletionResult =
  | { status: 'ignored'; reason: string; executionId?: string }
  | { status: 'verifying'; executionId: string }
  | { status: 'closed'; executionId: string; outcomes: Outcome[] };

/** Handles one completion event. */
export async function handleCompletion(event: unknown, deps: CompletionDeps): Promise<CompletionResult> {
  const signal = parseCompletion(event);
  if (!signal) return ignored(deps, 'not an Automation or Command status-change event');
  const verdict = terminalVerdict(signal.kind, signal.status);
  if (!verdict) return ignored(deps, `status ${signal.status} is not terminal`, signal);
  const exec = await deps.ledger.getExecution(signal.executionId);
  if (!exec)
    return ignored(deps, `${signal.kind} ${signal.executionId} was not started by this service`, signal);
  return closeExecution(exec, signal.status, deps, signal.eventId);
}

function ignored(deps: CompletionDeps, reason: string, s?: CompletionSignal): CompletionResult {
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

/**
 * Closes one execution with its final SSM status (from an event or a poll). Conditional on the
 * ledger record still being in flight, so a duplicated completion event is reported once.
 */
export async function closeExecution(
  exec: StoredExecution,
  status: string,
  deps: CompletionDeps,
  eventId?: string,
): Promise<CompletionResult> {
  if (exec.phase !== 'in-flight') {
    return ignored(deps, `execution ${exec.executionId} was already closed (${exec.phase})`, {
      kind: exec.kind,
      executionId: exec.executionId,
      status,
      ...(eventId ? { completionEventId: eventId } : {}),
    });
  }
  const verdict = terminalVerdict(exec.kind, status) ?? 'failed';
  const now = deps.now();
  let reason: string;
  let perInstance: Record<string, string> | undefined;
  try {
    if (exec.kind === 'automation')
      reason = automationReason(status, await deps.executions.automation(exec.executionId));
    else {
      const d = await deps.executions.command(exec.executionId);
      reason = commandReason(status, d);
      perInstance = Object.fromEntries(d.invocations.map((i) => [i.instanceId, i.status]));
    }
  } catch (e) {
    deps.log.warn('execution details unavailable', { executionId: exec.executionId, error: errorMessage(e) });
    reason = `${exec.kind === 'automation' ? 'Automation' : 'Run Command'} ended ${status} (details unavailable: ${errorMessage(e)})`;
  }

  // A Config fix is verified before it is reported; anything else is done now. Either way the
  // transition is conditional: a duplicate completion (event and sweep) reports nothing twice.
  const verify = verdict === 'succeeded' && exec.family === 'config.noncompliant' && !!exec.rule;
  const finishedAt = now.toISOString();
  const won = await deps.ledger.transitionExecution(
    exec.executionId,
    'in-flight',
    verify ? 'verifying' : 'done',
    verify
      ? { status, finishedAt, verifyRequestedAt: finishedAt, reason }
      : { status, finishedAt, result: verdict, reason },
    now,
  );
  if (!won)
    return ignored(deps, `execution ${exec.executionId} was already closed`, {
      kind: exec.kind,
      executionId: exec.executionId,
      status,
    });
  await deps.ledger.releaseLocks(exec);
  // Its admission slot (src/core/admission.ts): SSM no longer counts it against the quota.
  if (exec.kind === 'automation') {
    const freed = await deps.ledger.returnSlots?.(1).then(
      () => true,
      (e: unknown) =>
        deps.log.warn('admission slot not released; the sweep re-derives the counter', {
          executionId: exec.executionId,
          error: errorMessage(e),
        }),
    );
    // Held admission work starts now, not at the next sweep (src/core/admission-release.ts).
    if (freed) await signalSlotFreed(deps, exec.executionId);
  }

  if (verify) {
    try {
      await deps.compliance.reevaluate([exec.rule!]);
    } catch (e) {
      deps.log.warn('could not ask Config to re-evaluate; verification waits for its own evaluation', {
        executionId: exec.executionId,
        rule: exec.rule,
        error: errorMessage(e),
      });
    }
    deps.log.info('execution succeeded; waiting for Config to confirm the fix', {
      executionId: exec.executionId,
      rule: exec.rule,
    });
    return verifyExecution(
      { ...exec, phase: 'verifying', status, verifyRequestedAt: finishedAt, reason },
      deps,
    );
  }
  return finalize(
    exec,
    verdict,
    verdict === 'failed' ? 'execution-failed' : undefined,
    reason,
    deps,
    perInstance,
  );
}

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
  return finalize(exec, verdict, verdict === 'succeeded' ? 'verified' : 'not-fixed', reason, deps);
}

async function finalize(
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
