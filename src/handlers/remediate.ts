/**
 * EventBridge → engine, for Config non-compliance and agent disconnects. Glue only: the decisions
 * are in src/core, the AWS calls in src/adapters. A failed start that gives an admission slot back
 * while admission work is held puts `Admission Slot Freed` on the service's bus (docs/quota-waits.md).
 */
import { createLogger } from '../adapters/logger.ts';
import type { Context } from 'aws-lambda';
import { eventBridgeClient } from '../adapters/aws-clients.ts';
import { eventBridgePublisher } from '../adapters/events-publisher.ts';
import { signalSlotFreed } from '../core/admission-release.ts';
import { handleEvent } from '../core/engine.ts';
import { engineDeps, once, sharedDeps } from './lib/deps.ts';
import { atHome } from './lib/home.ts';
import { lambda } from './lib/middleware.ts';

const logger = createLogger();
const deps = once(() => {
  const s = sharedDeps(logger);
  // A start that failed gave its admission slot back: held admission work is woken as when an
  // execution ends (`Admission Slot Freed`, src/core/admission-release.ts); reconcile starts it.
  const slotSignal = eventBridgePublisher(eventBridgeClient(), s.config.env.EVENT_BUS_NAME);
  return {
    ...engineDeps(s),
    slotsReturned: (slots: number) =>
      signalSlotFreed({ ledger: s.ledger, slotSignal, log: s.log }, undefined, slots),
  };
});

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
