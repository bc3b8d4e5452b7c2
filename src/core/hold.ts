/**
 * Held work: a finding the service could not act on yet is kept in the ledger (a deferral item)
 * until it ends, never only logged. Why it waits decides when it is tried again:
 *
 * - `calendar-closed`: when the change calendar opens (its event, or the reconcile sweep).
 * - `gate-unreadable`: a gate (kill switch and modes, tags, calendar, ledger) could not be read.
 * - `transient-error`: SSM refused to start it for now (throttling, 5xx, the concurrent-execution quota).
 * - `budget`: the account's hourly budget is spent; it runs when the window allows.
 * - `admission`: the service's share of SSM's Automation quota is in use (src/core/admission.ts); the
 *   sweep starts it, in arrival order, as the service's executions end.
 * - `approval`: mode `approve`, waiting for an approver or the timeout (src/core/approval-release.ts).
 *
 * The sweep releases due work through every gate again. Pure rules only: no I/O here.
 */
import type { DeferralRecord } from '../ports/index.ts';
import type { Remediation } from './remediation.ts';
import { HOLD_CODES, type Finding, type HoldCode, type Outcome } from '../model/types.ts';

/** Retry backoff of held work: 5 min, doubling, at most 1 h; half of it jittered. */
export const HOLD_BASE_MINUTES = 5;
export const HOLD_MAX_MINUTES = 60;

/** The hold an outcome asks for, if it is a deferral the ledger keeps. */
export function holdCodeOf(o: Pick<Outcome, 'outcome' | 'code'>): HoldCode | undefined {
  if (o.outcome !== 'deferred') return undefined;
  return (HOLD_CODES as readonly string[]).includes(o.code ?? '') ? (o.code as HoldCode) : undefined;
}

/** Delay before try `attempt` (1-based): base·2^(attempt-1) capped at the max, between half and all of it. */
export function holdDelayMs(attempt: number, random: () => number = Math.random): number {
  const full = Math.min(HOLD_MAX_MINUTES, HOLD_BASE_MINUTES * 2 ** Math.max(0, attempt - 1)) * 60_000;
  return Math.round(full / 2 + random() * (full / 2));
}

/** When held work may be tried again: budget at the next hour window, others after the backoff. */
export function nextTryAt(
  code: HoldCode,
  attempt: number,
  now: Date,
  random: () => number = Math.random,
): string | undefined {
  // Calendar work waits on the calendar; admission work is due at every sweep, in arrival order.
  if (code === 'calendar-closed' || code === 'admission' || code === 'approval') return undefined;
  if (code === 'budget') {
    const next = Math.floor(now.getTime() / 3_600_000 + 1) * 3_600_000;
    return new Date(next + Math.round(random() * 60_000)).toISOString();
  }
  return new Date(now.getTime() + holdDelayMs(attempt, random)).toISOString();
}

/** The ledger item that holds one (finding, remediation). `attempt` counts the tries so far. */
export function holdRecord(
  finding: Finding,
  r: Remediation,
  o: Pick<Outcome, 'reason'> & { nextTransitionTime?: string | undefined },
  code: HoldCode,
  calendars: string[],
  attempt: number,
  now: Date,
): DeferralRecord {
  const next = nextTryAt(code, attempt, now);
  return {
    remediationId: r.id,
    resourceId: finding.resourceId,
    resourceType: finding.resourceType,
    family: finding.family,
    findingTime: finding.orderingTime,
    eventId: finding.eventId,
    account: finding.account,
    region: finding.region,
    rule: finding.rule,
    calendars,
    nextTransitionTime: o.nextTransitionTime,
    deferredAt: now.toISOString(),
    finding,
    code,
    heldReason: o.reason,
    attempts: attempt,
    ...(next ? { nextTryAt: next } : {}),
  };
}

/** Whether held work is due for another try. Calendar deferrals wait on the calendar instead. */
export function holdDue(d: Pick<DeferralRecord, 'code' | 'nextTryAt'>, now: Date): boolean {
  return !d.nextTryAt || d.nextTryAt <= now.toISOString();
}
