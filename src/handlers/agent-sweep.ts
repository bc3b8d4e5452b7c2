/**
 * Scheduled agent-health sweep (rate `${param:agentSweepRate}`): DescribeInstanceInformation →
 * debounce counts in the ledger → one `SSM Agent Disconnected` event per newly disconnected instance
 * (PutEvents, default bus) → the remediate function takes it from there. Reconnections are announced
 * once. Glue only: the logic is src/core/agent-health.ts.
 */
import type { Context } from 'aws-lambda';
import { ssmAgentInventory } from '../adapters/agent-inventory-ssm.ts';
import { eventBridgePublisher } from '../adapters/events-publisher.ts';
import { eventBridgeClient } from '../adapters/aws-clients.ts';
import { createLogger } from '../adapters/logger.ts';
import { sweepAgents, type SweepDeps } from '../core/agent-health.ts';
import { sharedDeps } from './lib/deps.ts';
import { lambda } from './lib/middleware.ts';

const logger = createLogger();
let deps: SweepDeps | undefined;

/** Account id from the function's own ARN (arn:aws:lambda:<region>:<account>:function:<name>). */
const accountOf = (arn: string | undefined) => arn?.split(':')[4];

function sweepDeps(context: Context): SweepDeps {
  if (deps) return deps;
  const s = sharedDeps(logger);
  const e = s.config.env;
  deps = {
    inventory: ssmAgentInventory(s.ssm),
    counters: s.ledger,
    publisher: eventBridgePublisher(eventBridgeClient(), e.EVENT_BUS_NAME),
    notifier: s.notifier,
    log: s.log,
    now: s.now,
    options: { staleMinutes: e.AGENT_STALE_MINUTES, debounceSweeps: e.AGENT_DEBOUNCE_SWEEPS },
    account: accountOf(context.invokedFunctionArn),
    region: process.env.AWS_REGION,
  };
  return deps;
}

export const handler = lambda(logger, async (event: unknown, context: Context) => {
  const id = typeof event === 'object' && event && 'id' in event ? String(event.id) : undefined;
  const r = await sweepAgents(sweepDeps(context), id);
  return {
    instances: r.instances,
    suspects: r.suspects.length,
    published: r.published,
    unpublished: r.unpublished,
    recovered: r.recovered,
  };
});
