import { errorMessage } from '../model/errors.ts';
import { notificationFailed } from '../core/metrics.ts';
import type { LogPort, MetricsPort, NotifierPort } from '../ports/index.ts';

/** Sends to every channel; one channel failing never stops the others, and each failure is logged. */
export function fanoutNotifier(
  channels: Record<string, NotifierPort>,
  log: LogPort,
  metrics?: MetricsPort,
): NotifierPort {
  return {
    async notify(n) {
      const names = Object.keys(channels);
      const results = await Promise.allSettled(names.map((k) => channels[k]!.notify(n)));
      results.forEach((r, i) => {
        if (r.status === 'rejected') {
          notificationFailed(metrics, names[i]!);
          log.error('notification channel failed', {
            channel: names[i],
            findingEventId: n.outcome.eventId,
            remediation: n.outcome.remediation,
            resourceId: n.outcome.resourceId,
            error: errorMessage(r.reason),
          });
        }
      });
    },
  };
}
