/**
 * The notification outbox sweep: results-topic messages whose Publish failed wait in the outbox
 * queue; each reconcile sweep publishes them again, oldest first, and deletes a message only once
 * it is published. If Publish fails again, the rest stay for the next sweep (SNS is still down).
 */
import { errorMessage } from '../model/errors.ts';
import type { LogPort } from '../ports/log.ts';
import type { OutboxPort } from '../ports/outbox.ts';

export interface OutboxReport {
  /** Held notifications published this sweep. */
  published: number;
  /** Read but still held (Publish failed again). */
  kept: number;
}

export async function flushOutbox(outbox: OutboxPort, log: LogPort, max = 500): Promise<OutboxReport> {
  const report: OutboxReport = { published: 0, kept: 0 };
  const held = await outbox.receive(max);
  for (const [i, m] of held.entries()) {
    try {
      await outbox.publish(m.body);
    } catch (e) {
      if (e instanceof SyntaxError) {
        // Not a held notification (nothing of ours writes one): left for the queue's redrive to its DLQ.
        log.error('outbox message is not JSON; left for the dead-letter queue', { error: errorMessage(e) });
        continue;
      }
      report.kept = held.length - i;
      log.warn('held notifications not published yet; kept for the next sweep', {
        kept: report.kept,
        error: errorMessage(e),
      });
      break;
    }
    await outbox.remove(m.handle);
    report.published++;
  }
  return report;
}
