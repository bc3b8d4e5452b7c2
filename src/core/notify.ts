import type { Notification } from '../ports/index.ts';
import type { Outcome } from '../model/types.ts';

/**
 * Outcomes nobody needs to hear about now: an event nothing handles, a duplicate, a remediation
 * turned off, the failure of the service's own command (its completion reports it), and work held for a retry or at SSM's quota (the reconcile sweep announces it if it waits long).
 */
export function shouldNotify(o: Outcome): boolean {
  if (o.outcome === 'deferred')
    return o.code !== 'gate-unreadable' && o.code !== 'transient-error' && o.code !== 'admission';
  return !(
    o.outcome === 'skipped' &&
    (o.code === 'no-match' || o.code === 'duplicate' || o.code === 'disabled' || o.code === 'own-action')
  );
}

/** The AWS console page where an operator follows the execution. */
export function consoleUrl(o: Pick<Outcome, 'executionId' | 'region' | 'actions'>): string | undefined {
  if (!o.executionId || !o.region) return undefined;
  const host = `https://${o.region}.console.aws.amazon.com/systems-manager`;
  const command = o.actions.some((a) => a.kind === 'sendCommand');
  return command
    ? `${host}/run-command/${o.executionId}?region=${o.region}`
    : `${host}/automation/execution/${o.executionId}?region=${o.region}`;
}

export function notificationFor(o: Outcome, title: string): Notification {
  return { outcome: o, title, consoleUrl: consoleUrl(o) };
}
