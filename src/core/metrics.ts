/**
 * What the core measures (docs/operating.md "Metrics"): one function per fact, so every metric name
 * is written here and nowhere else. Every port is optional: a caller without metrics measures nothing.
 */
import type { MetricsPort } from '../ports/index.ts';
import type { Finding, Outcome } from '../model/types.ts';

export const METRIC = {
  findings: 'Findings',
  outcomes: 'Outcomes',
  executionsStarted: 'ExecutionsStarted',
  executionsSucceeded: 'ExecutionsSucceeded',
  executionsFailed: 'ExecutionsFailed',
  gateUnreadable: 'GateUnreadable',
  deferrals: 'Deferrals',
  budgetExhausted: 'BudgetExhausted',
  breakerOpen: 'BreakerOpen',
  heldWork: 'HeldWork',
  oldestHeldAge: 'OldestHeldAgeSeconds',
  notificationFailures: 'NotificationFailures',
  decisionLatency: 'DecisionLatency',
} as const;

/** A finding the service accepted (remediate, patch fan-out, redrive), by trigger family. */
export function findingReceived(m: MetricsPort | undefined, f: Pick<Finding, 'family'>): void {
  m?.count(METRIC.findings, { family: f.family });
}

/** From the finding's event time to its decision. */
export function decisionLatency(m: MetricsPort | undefined, f: Pick<Finding, 'time'>, now: Date): void {
  const t = Date.parse(f.time);
  if (m && Number.isFinite(t))
    m.measure(METRIC.decisionLatency, 'Milliseconds', Math.max(0, now.getTime() - t));
}

/**
 * Every recorded outcome: by outcome and code, and what it says about executions, holds and guards.
 */
export function outcomeRecorded(m: MetricsPort | undefined, o: Outcome): void {
  if (!m) return;
  m.count(METRIC.outcomes, { outcome: o.outcome, code: o.code ?? 'none' });
  const remediation = o.remediation ?? 'none';
  // An execution's end is an outcome that names it (completion, verification); a guard's trip or
  // reset notice names none.
  if (o.outcome === 'started') m.count(METRIC.executionsStarted, { remediation });
  else if (o.outcome === 'succeeded' && o.executionId) m.count(METRIC.executionsSucceeded, { remediation });
  else if (o.outcome === 'failed' && o.executionId) m.count(METRIC.executionsFailed, { remediation });
  if (o.outcome === 'deferred') m.count(METRIC.deferrals, { code: o.code ?? 'none' });
  if (o.code === 'gate-unreadable') m.count(METRIC.gateUnreadable);
  // A finding held over the spent budget, or stopped by an open breaker (not the trip/reset notices).
  if (o.code === 'budget' && o.outcome === 'deferred') m.count(METRIC.budgetExhausted);
  if (o.code === 'circuit-open' && o.outcome === 'skipped') m.count(METRIC.breakerOpen, { remediation });
}

/** A notification a channel did not take (SNS after its outbox, Slack after its retries). */
export function notificationFailed(m: MetricsPort | undefined, channel: string, n = 1): void {
  if (n > 0) m?.count(METRIC.notificationFailures, { channel }, n);
}

/** Work held in the ledger (deferred, gate-unreadable, transient), seen by a reconcile sweep. */
export function heldWork(
  m: MetricsPort | undefined,
  held: readonly { deferredAt: string }[],
  now: Date,
): void {
  if (!m) return;
  const oldest = held.reduce((min, d) => Math.min(min, Date.parse(d.deferredAt) || Infinity), Infinity);
  m.measure(METRIC.heldWork, 'Count', held.length);
  m.measure(
    METRIC.oldestHeldAge,
    'Seconds',
    Number.isFinite(oldest) ? Math.max(0, (now.getTime() - oldest) / 1000) : 0,
  );
}
