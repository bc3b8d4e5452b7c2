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
import { parseCompletion } from '../events/completion.ts';
import { signalSlotFreed, wasFull } from './admission-release.ts';
import type { AdmissionLimits } from './admission.ts';
import type { EventPublisherPort } from '../ports/event-publisher.ts';
import { errorMessage } from '../model/errors.ts';
import { automationReason, commandReason, terminalVerdict } from './execution-status.ts';
import { ignored, reportFinished } from './completion-report.ts';
import type { CompliancePort } from '../ports/compliance.ts';
import type { ExecutionsPort } from '../ports/executions.ts';
import type { LedgerStore, StoredExecution } from '../ports/ledger-store.ts';
import type { LedgerRuntimeOptions } from './runtime-options.ts';
import type { Outcome } from '../model/types.ts';
import { verifyExecution } from './verification.ts';

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
  /** The service's share of SSM's quota: a slot given back while it was full signals without a read. */
  admission?: AdmissionLimits;
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
      (before) => ({ before }),
      (e: unknown) =>
        deps.log.warn('admission slot not released; the sweep re-derives the counter', {
          executionId: exec.executionId,
          error: errorMessage(e),
        }),
    );
    // Held admission work starts now, not at the next sweep (src/core/admission-release.ts).
    if (freed) await signalSlotFreed(deps, exec.executionId, 1, wasFull(freed.before, deps.admission));
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
  return reportFinished(
    exec,
    verdict,
    verdict === 'failed' ? 'execution-failed' : undefined,
    reason,
    deps,
    perInstance,
  );
}
