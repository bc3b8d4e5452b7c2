/**
 * The reconcile sweep: a `Calendar State Change` to OPEN releases the work deferred on that
 * calendar; the schedule also closes executions whose completion events never came, verifies
 * Config fixes, releases deferred work whose calendar is open, and announces guard resets.
 * Glue only: the logic is src/core/deferral.ts and src/core/completion.ts.
 */
import { createLogger } from '../adapters/logger.ts';
import { reconcile } from '../core/deferral.ts';
import { once, reconcileDeps, sharedDeps } from './lib/deps.ts';
import { lambda } from './lib/middleware.ts';

const logger = createLogger();
const deps = once(() => reconcileDeps(sharedDeps(logger)));

export const handler = lambda(logger, async (event: unknown) => {
  const id = typeof event === 'object' && event && 'id' in event ? String(event.id) : undefined;
  if (id) logger.appendKeys({ eventId: id });
  const r = await reconcile(event, deps());
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
    resets: r.resets,
  };
  logger.info('reconcile done', summary);
  return summary;
});
