/**
 * SSM's final statuses of the executions the service starts, and the sentence an operator reads
 * about one that ended (the failed step, the per-instance counts). Pure.
 */
import type { AutomationDetail, CommandDetail } from '../ports/executions.ts';

export type Verdict = 'succeeded' | 'failed';

/** AutomationExecutionStatus values that end an execution (AWS-FACTS §1.3). */
export const AUTOMATION_TERMINAL: Readonly<Record<string, Verdict>> = {
  Success: 'succeeded',
  CompletedWithSuccess: 'succeeded',
  Failed: 'failed',
  TimedOut: 'failed',
  Cancelled: 'failed',
  Rejected: 'failed',
  CompletedWithFailure: 'failed',
  Exited: 'failed',
  ChangeCalendarOverrideRejected: 'failed',
};

/** Command statuses (and status details, spaces removed) that end a command (AWS-FACTS §2.4). */
export const COMMAND_TERMINAL: Readonly<Record<string, Verdict>> = {
  Success: 'succeeded',
  Failed: 'failed',
  TimedOut: 'failed',
  Cancelled: 'failed',
  DeliveryTimedOut: 'failed',
  ExecutionTimedOut: 'failed',
  Undeliverable: 'failed',
  Terminated: 'failed',
  InvalidPlatform: 'failed',
  AccessDenied: 'failed',
  RateExceeded: 'failed',
  Incomplete: 'failed',
  NoInstancesInTag: 'failed',
};

export function terminalVerdict(kind: 'automation' | 'command', status: string): Verdict | undefined {
  const table = kind === 'automation' ? AUTOMATION_TERMINAL : COMMAND_TERMINAL;
  return table[status.replace(/\s+/g, '')];
}

export function automationReason(status: string, d: AutomationDetail | undefined): string {
  const doc = d?.document ? ` ${d.document}` : '';
  if (AUTOMATION_TERMINAL[status] === 'succeeded') return `Automation${doc} ended ${status}`;
  const step = d?.failedStep;
  if (step) {
    const action = step.action ? ` (${step.action})` : '';
    return `Automation${doc} ended ${status} at step ${step.name}${action}${step.message ? `: ${step.message}` : ''}`;
  }
  return `Automation${doc} ended ${status}${d?.failureMessage ? `: ${d.failureMessage}` : ''}`;
}

export function commandReason(status: string, d: CommandDetail | undefined): string {
  if (!d) return `Run Command ended ${status}`;
  const total = Object.values(d.counts).reduce((a, b) => a + b, 0);
  const counts = Object.entries(d.counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  const failed = d.invocations.filter((i) => i.status !== 'Success').slice(0, 5);
  const list = failed.length
    ? `; not successful: ${failed.map((f) => `${f.instanceId} (${f.detail ?? f.status})`).join(', ')}`
    : '';
  return `Run Command ended ${status}: ${total} instance(s): ${counts || 'no invocations'}${list}`;
}
