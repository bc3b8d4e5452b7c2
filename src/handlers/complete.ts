/**
 * Completion events (`EC2 Automation Execution Status-change Notification`, `EC2 Command
 * Status-change Notification`) → the ledger: final status once, lock released, outcome reported.
 * Glue only: the logic is src/core/completion.ts, the AWS reads src/adapters/. A freed admission slot
 * with work held puts `Admission Slot Freed` on the service's bus (src/core/admission-release.ts).
 */
import { createLogger } from '../adapters/logger.ts';
import { handleCompletion } from '../core/completion.ts';
import { eventBridgePublisher } from '../adapters/events-publisher.ts';
import { eventBridgeClient } from '../adapters/aws-clients.ts';
import { completionDeps, once, sharedDeps } from './lib/deps.ts';
import { lambda } from './lib/middleware.ts';

const logger = createLogger();
const deps = once(() => {
  const s = sharedDeps(logger);
  // A freed slot with admission work held: one `Admission Slot Freed` on the service's bus
  // (src/core/admission-release.ts); the reconcile function starts the work, not this one.
  return {
    ...completionDeps(s),
    slotSignal: eventBridgePublisher(eventBridgeClient(), s.config.env.EVENT_BUS_NAME),
  };
});

export const handler = lambda(logger, async (event: unknown) => {
  const r = await handleCompletion(event, deps());
  return r.status === 'closed'
    ? {
        status: r.status,
        executionId: r.executionId,
        outcomes: r.outcomes.map((o) => ({ resourceId: o.resourceId, outcome: o.outcome, code: o.code })),
      }
    : r;
});
