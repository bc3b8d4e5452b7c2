/**
 * The reconcile sweep: a `Calendar State Change` to OPEN releases the work deferred on that
 * calendar; the schedule also closes executions whose completion events never came, verifies
 * Config fixes, releases deferred work whose calendar is open, and announces guard resets.
 * Each sweep also redrives the findings whose invocation failed into the on-failure queue
 * (src/core/redrive.ts) and publishes the notifications held in the outbox (src/core/outbox.ts).
 * An `Admission Slot Freed` event (the complete function's, docs/quota-waits.md) runs only the
 * admission release pass (src/core/admission-pass.ts). Glue only: the logic is src/core/reconcile.ts,
 * held-release.ts, completion.ts and redrive.ts.
 */
import type { Context } from 'aws-lambda';
import { createLogger } from '../adapters/logger.ts';
import { reconcile } from '../core/reconcile.ts';
import { handleEvent } from '../core/engine.ts';
import { redriveFailedInvocations } from '../core/redrive.ts';
import { sqsFailedInvocations } from '../adapters/failed-invocations-sqs.ts';
import { snsClient, sqsClient } from '../adapters/aws-clients.ts';
import { sqsOutbox } from '../adapters/notify-outbox-sqs.ts';
import { flushOutbox } from '../core/outbox.ts';
import { atHome } from './lib/home.ts';
import { once, reconcileDeps, sharedDeps } from './lib/deps.ts';
import { lambda } from './lib/middleware.ts';
import { backfillFor } from '../core/backfill.ts';
import { BACKFILL_REQUESTED, operatorEventType } from '../events/operator.ts';
import { backfillPorts } from './lib/backfill-deps.ts';
import { isSlotFreed } from '../core/admission-release.ts';
import { releaseAdmission } from '../core/admission-pass.ts';
import { parseApprovalDecided } from '../events/approval.ts';
import { onApprovalDecided } from '../core/approval-decided.ts';
import { errorMessage } from '../model/errors.ts';

const logger = createLogger();
const shared = once(() => sharedDeps(logger));
const deps = once(() => reconcileDeps(shared()));
const failed = once(() => {
  const url = shared().config.env.FAILED_INVOCATIONS_QUEUE_URL;
  return url ? sqsFailedInvocations(sqsClient(), url) : undefined;
});

const backfill = once(() => backfillPorts(shared().config.env.LEDGER_TABLE));

const outbox = once(() => {
  const e = shared().config.env;
  return e.NOTIFY_OUTBOX_QUEUE_URL
    ? sqsOutbox(sqsClient(), e.NOTIFY_OUTBOX_QUEUE_URL, snsClient(), e.RESULTS_TOPIC_ARN)
    : undefined;
});

export const handler = lambda(logger, async (event: unknown, context: Context) => {
  // A slot freed while admission work is held (src/core/admission-pass.ts): only that release pass.
  if (isSlotFreed(event)) {
    const r = await releaseAdmission(deps());
    const released = r.deferrals.filter((d) => d.result === 'released').length;
    const summary = { admission: { free: r.free, tried: r.deferrals.length, released } };
    logger.info('admission release done', summary);
    return summary;
  }
  // An approval decided (docs/approvals.md): only the release of that approval's held work.
  let decided;
  try {
    decided = parseApprovalDecided(event);
  } catch (e) {
    logger.warn('Approval Decided event refused', { error: errorMessage(e) });
    return { approval: 'refused' };
  }
  if (decided) {
    const r = await onApprovalDecided(decided, deps());
    const summary = { ...r, released: r.released.map((x) => x.result) };
    logger.info('approval decided', summary);
    return { approval: summary };
  }
  // Backfill (src/core/backfill.ts): an operator's request runs only that; the schedule adds one run.
  const backfillRun = () =>
    backfillFor(event, { ...atHome(deps(), context), ...backfill() }, shared().config.env.BACKFILL_PER_RUN);
  if (operatorEventType(event) === BACKFILL_REQUESTED) {
    const report = await backfillRun();
    const summary = report && { ...report, items: report.items.slice(0, 50) };
    logger.info('backfill done', { backfill: summary ?? 'rejected' });
    return { backfill: summary };
  }
  const r = await reconcile(event, deps());
  const queue = failed();
  const redrive = queue
    ? await redriveFailedInvocations(queue, (e) => handleEvent(e, atHome(deps(), context)), deps().log)
    : undefined;
  // Notifications whose Publish failed: published now if SNS answers (src/core/outbox.ts).
  const held = outbox();
  const notifications = held ? await flushOutbox(held, deps().log) : undefined;
  const backfilled = await backfillRun();
  // Held work can be thousands of items (a storm): the ones acted on are listed, the waiting counted.
  const acted = r.deferrals.filter((d) => d.result !== 'waiting' && d.result !== 'still-closed');
  const summary = {
    closed: r.closed.filter((x) => x.status === 'closed').length,
    verified: r.verified.filter((x) => x.status === 'closed').length,
    deferrals: acted.map((d) => ({
      remediation: d.remediationId,
      resourceId: d.resourceId,
      result: d.result,
    })),
    waiting: r.deferrals.length - acted.length,
    ...(r.recovery && (r.recovery.recovered.length || r.recovery.unreadable.length || r.recovery.healed)
      ? {
          recovered: r.recovery.recovered,
          unreadable: r.recovery.unreadable.length,
          ...(r.recovery.healed ? { slotsHealed: r.recovery.healed } : {}),
        }
      : {}),
    resets: r.resets,
    ...(redrive ? { redrive } : {}),
    ...(notifications ? { notifications } : {}),
    ...(backfilled
      ? {
          backfill: {
            listed: backfilled.listed,
            seen: backfilled.seen,
            fed: backfilled.fed,
            stoppedBy: backfilled.stoppedBy,
          },
        }
      : {}),
  };
  logger.info('reconcile done', summary);
  return summary;
});
