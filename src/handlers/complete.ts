/**
 * Completion events (`EC2 Automation Execution Status-change Notification`, `EC2 Command
 * Status-change Notification`) → the ledger: final status once, lock released, outcome reported.
 * Glue only: the logic is src/core/completion.ts, the AWS reads src/adapters/.
 */
import { createLogger } from '../adapters/logger.ts';
import { handleCompletion } from '../core/completion.ts';
import { completionDeps, once, sharedDeps } from './lib/deps.ts';
import { lambda } from './lib/middleware.ts';

const logger = createLogger();
const deps = once(() => completionDeps(sharedDeps(logger)));

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
