/**
 * The reconcile function's work: a `Calendar State Change` to OPEN releases the work deferred on that
 * calendar; the scheduled sweep recovers executions the ledger missed (by tag), closes executions
 * whose completion events never came (a poll), verifies pending Config fixes, announces guard resets,
 * and releases held work (src/core/held-release.ts).
 */
import type { CompletionDeps, CompletionResult } from './completion.ts';
import { closeExecution } from './completion.ts';
import { parseCalendarEvent } from '../events/calendar.ts';
import type { EngineDeps } from './engine.ts';
import { errorMessage } from '../model/errors.ts';
import { terminalVerdict } from './execution-status.ts';
import { guardResets } from './guard-resets.ts';
import { releaseDeferrals, type ReleaseReport } from './held-release.ts';
import { recoverByTag, type RecoveryReport } from './recovery.ts';
import type { LedgerRuntimeOptions } from './runtime-options.ts';
import { verifyExecution } from './verification.ts';
import type { CompliancePort } from '../ports/compliance.ts';
import type { ExecutionsPort } from '../ports/executions.ts';
import type { LedgerStore } from '../ports/ledger-store.ts';
import type { OwnExecutionsPort } from '../ports/own-executions.ts';

export type ReconcileDeps = EngineDeps & {
  ledger: LedgerStore;
  executions: ExecutionsPort;
  compliance: CompliancePort;
  options: LedgerRuntimeOptions;
  /** The service's own executions by tag (recovery, src/core/recovery.ts); unset: no recovery. */
  own?: OwnExecutionsPort;
};

export interface ReconcileReport {
  /** Executions found by tag that the ledger missed (src/core/recovery.ts). */
  recovery?: RecoveryReport;
  closed: CompletionResult[];
  verified: CompletionResult[];
  deferrals: ReleaseReport[];
  resets: string[];
}

/** The scheduled sweep: missed completions, pending verifications, deferred work, guard resets. */
export async function reconcileSweep(deps: ReconcileDeps): Promise<ReconcileReport> {
  const now = deps.now();
  const cdeps: CompletionDeps = deps;
  // First the executions the ledger missed (a lost write), so the poll below and the counter see them.
  const recovery = await recoverByTag(deps);
  const closed: CompletionResult[] = [...recovery.closed];
  const stale = await deps.ledger.listInFlight(
    new Date(now.getTime() - deps.options.inFlightPollMinutes * 60_000),
  );
  for (const exec of stale) {
    try {
      const status =
        exec.kind === 'automation'
          ? (await deps.executions.automation(exec.executionId)).status
          : (await deps.executions.command(exec.executionId)).status;
      if (terminalVerdict(exec.kind, status)) closed.push(await closeExecution(exec, status, cdeps));
    } catch (e) {
      deps.log.warn('in-flight execution could not be polled', {
        executionId: exec.executionId,
        error: errorMessage(e),
      });
    }
  }

  const verified: CompletionResult[] = [];
  for (const exec of await deps.ledger.listVerifying()) {
    try {
      verified.push(await verifyExecution(exec, cdeps));
    } catch (e) {
      deps.log.warn('verification failed', { executionId: exec.executionId, error: errorMessage(e) });
    }
  }

  // Resets first: the reset notice says how much held work this sweep now releases.
  const resets = await guardResets(deps);
  const deferrals = await releaseDeferrals(deps);
  return { recovery, closed, verified, deferrals, resets };
}

/** The reconcile function's whole job for one event: a calendar that opened, or the schedule. */
export async function reconcile(event: unknown, deps: ReconcileDeps): Promise<ReconcileReport> {
  const cal = parseCalendarEvent(event);
  if (cal) {
    if (cal.state !== 'OPEN') return { closed: [], verified: [], deferrals: [], resets: [] };
    deps.log.info('calendar opened; releasing deferred work', { calendar: cal.calendarArn });
    return {
      closed: [],
      verified: [],
      deferrals: await releaseDeferrals(deps, { calendarArn: cal.calendarArn }),
      resets: [],
    };
  }
  return reconcileSweep(deps);
}
