/**
 * EventBridge → engine, for Config non-compliance and agent disconnects. Glue only: the decisions
 * are in src/core, the AWS calls in src/adapters.
 */
import { createLogger } from '../adapters/logger.ts';
import type { Context } from 'aws-lambda';
import { handleEvent } from '../core/engine.ts';
import { engineDeps, once, sharedDeps } from './lib/deps.ts';
import { atHome } from './lib/home.ts';
import { lambda } from './lib/middleware.ts';

const logger = createLogger();
const deps = once(() => engineDeps(sharedDeps(logger)));

export const handler = lambda(logger, async (event: unknown, context: Context) => {
  const outcomes = await handleEvent(event, atHome(deps(), context));
  return {
    outcomes: outcomes.map((o) => ({
      remediation: o.remediation,
      resourceId: o.resourceId,
      outcome: o.outcome,
      code: o.code,
      executionId: o.executionId,
    })),
  };
});
