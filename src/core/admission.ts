/**
 * Admission control at SSM's Automation quota, pure. SSM lets an account run 100 Automation
 * executions at once and queue 1,000 more; past that StartAutomationExecution throws
 * AutomationExecutionLimitExceededException, for every team of the account. The service keeps to a
 * configured share of each (`automationConcurrentShare`, `automationQueuedShare`).
 *
 * The service cannot see whether SSM runs one of its executions or queues it (that depends on what
 * else runs in the account), so every execution it has open (started, not ended) counts against
 * both shares: it keeps at most min(running share, queued share) open. With the defaults (0.5, 0.5)
 * that is 50: it never runs more than half of SSM's concurrency, and when others fill the running
 * slots its own wait in SSM's queue, at most 50 of the 1,000.
 *
 * Open executions are counted by a ledger counter (conditional writes, `SLOTS#automation`): one slot
 * per Automation start, taken before the start, given back when the start fails, released when the
 * execution ends (completion handler or reconcile sweep). Work beyond the share is held in the ledger
 * (hold code `admission`) and released by the reconcile sweep in arrival order.
 */
import type { SlotCounter } from '../ports/ledger-store.ts';
import type { PlannedCall } from './act-plan.ts';

/** SSM's Automation quotas per account and Region (not adjustable). */
export const SSM_AUTOMATION_RUNNING = 100;
export const SSM_AUTOMATION_QUEUED = 1000;

export const DEFAULT_CONCURRENT_SHARE = 0.5;
export const DEFAULT_QUEUED_SHARE = 0.5;

export interface AdmissionLimits {
  /** The service's share of SSM's 100 running executions. */
  running: number;
  /** The service's share of SSM's 1,000 queued executions. */
  queued: number;
  /** Executions the service keeps open at most (both shares hold whatever SSM does with them). */
  open: number;
}

/** The limits of these shares (each in (0, 1]); at least one open execution, so work always moves. */
export function admissionLimits(
  concurrentShare = DEFAULT_CONCURRENT_SHARE,
  queuedShare = DEFAULT_QUEUED_SHARE,
): AdmissionLimits {
  const running = Math.max(1, Math.floor(SSM_AUTOMATION_RUNNING * concurrentShare));
  const queued = Math.max(1, Math.floor(SSM_AUTOMATION_QUEUED * queuedShare));
  return { running, queued, open: Math.min(running, queued) };
}

/** Slots a plan needs: one per Automation start (Run Command has its own quotas). */
export function slotsNeeded(calls: readonly Pick<PlannedCall, 'kind'>[]): number {
  return calls.filter((c) => c.kind === 'automation').length;
}

/** Whether `want` more executions fit beside `open` ones (the condition the ledger's counter writes). */
export function admits(open: number, want: number, limits: Pick<AdmissionLimits, 'open'>): boolean {
  return want <= 0 || open + want <= limits.open;
}

/** The reason an operator reads on work held at the share. */
export function admissionReason(limits: AdmissionLimits, want = 1): string {
  return (
    `the service's share of SSM's Automation quota is in use: ${limits.open} execution(s) open ` +
    `(share ${limits.running} of ${SSM_AUTOMATION_RUNNING} running, ${limits.queued} of ${SSM_AUTOMATION_QUEUED} queued)` +
    `${want > 1 ? `, ${want} needed` : ''}; held and started in arrival order as executions end`
  );
}

/**
 * A slot leaked by a crash (the invocation died between taking it and the start, or its release was
 * lost) heals: when no slot was taken for `quietMs` (no start can be between its slot and its
 * ledger record), the counter is re-derived from the ledger's open Automation executions. Returns
 * the value to set, or undefined to leave the counter alone. Only ever lowers it: a counter below
 * the truth is raised by the executions' own releases never going below zero.
 */
export function healedSlots(
  counter: SlotCounter,
  openInLedger: number,
  now: Date,
  quietMs: number,
): number | undefined {
  if (counter.n <= openInLedger) return undefined;
  if (counter.takenAt && now.getTime() - Date.parse(counter.takenAt) < quietMs) return undefined;
  return openInLedger;
}
