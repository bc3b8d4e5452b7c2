/**
 * The redrive: findings whose invocation failed after Lambda's retries (the ledger could not be
 * written, so nothing could be held there) wait in the on-failure queue. The reconcile sweep reads
 * them back and hands each original event to the engine again; a message is deleted only once the
 * engine took the event (acted, skipped or held it in the ledger). If it fails again, the message
 * stays and the next sweep tries again. Records of other functions (completions, the sweep itself)
 * are left alone: the sweep's own polling covers what they were doing.
 */
import { errorMessage } from '../model/errors.ts';
import type { FailedInvocationsPort, LogPort } from '../ports/index.ts';

export interface RedriveReport {
  /** Events handed to the engine again and taken (their messages deleted). */
  redriven: number;
  /** Events that failed again (left in the queue for the next sweep). */
  failed: number;
  /** Records of other functions, left in the queue. */
  skipped: number;
}

/** The original event of a destination record of the remediate function, or undefined. */
export function remediatePayload(record: unknown): unknown {
  if (typeof record !== 'object' || record === null) return undefined;
  const r = record as { requestContext?: { functionArn?: unknown }; requestPayload?: unknown };
  const arn = r.requestContext?.functionArn;
  if (typeof arn !== 'string' || !/-remediate(?::[^:]+)?$/.test(arn)) return undefined;
  return typeof r.requestPayload === 'object' && r.requestPayload !== null ? r.requestPayload : undefined;
}

export async function redriveFailedInvocations(
  queue: FailedInvocationsPort,
  handle: (event: unknown) => Promise<unknown>,
  log: LogPort,
  max = 100,
): Promise<RedriveReport> {
  const report: RedriveReport = { redriven: 0, failed: 0, skipped: 0 };
  for (const m of await queue.receive(max)) {
    const event = remediatePayload(m.record);
    if (event === undefined) {
      report.skipped++;
      continue;
    }
    try {
      await handle(event);
    } catch (e) {
      report.failed++;
      log.warn('failed invocation redriven, failed again; kept for the next sweep', {
        error: errorMessage(e),
      });
      continue;
    }
    await queue.remove(m.handle);
    report.redriven++;
  }
  return report;
}
