/**
 * Scheduled agent-health sweep (rate `${param:agentSweepRate}`): DescribeInstanceInformation (the
 * disconnected agents by a server-side filter, the counted ones by id, and a slice of the Online ones
 * from a cursor kept in the ledger, paced to AGENT_SWEEP_RPS) →
 * debounce counts in the ledger → one `SSM Agent Disconnected` event per newly disconnected instance
 * (PutEvents, default bus) → the remediate function takes it from there. Reconnections are announced
 * once. Glue only: the logic is src/core/agent-health.ts.
 */
import type { Context } from 'aws-lambda';
import { ssmAgentInventory } from '../adapters/agent-inventory-ssm.ts';
import { eventBridgePublisher } from '../adapters/events-publisher.ts';
import { dynamoDbClient, eventBridgeClient } from '../adapters/aws-clients.ts';
import { ledgerDocumentClient } from '../adapters/ledger-dynamodb.ts';
import { dynamoSweepCursor } from '../adapters/sweep-cursor-dynamodb.ts';
import { createLogger } from '../adapters/logger.ts';
import { COUNTER_SCOPE, sweepAgents, type AgentSweepDeps } from '../core/agent-health.ts';
import { sharedDeps } from './lib/deps.ts';
import { lambda } from './lib/middleware.ts';

const logger = createLogger();
let deps: AgentSweepDeps | undefined;

/** Account id from the function's own ARN (arn:aws:lambda:<region>:<account>:function:<name>). */
const accountOf = (arn: string | undefined) => arn?.split(':')[4];

function agentSweepDeps(context: Context): AgentSweepDeps {
  if (deps) return deps;
  const s = sharedDeps(logger);
  const e = s.config.env;
  deps = {
    inventory: ssmAgentInventory(s.ssm, { callsPerSecond: e.AGENT_SWEEP_RPS }),
    counters: s.ledger,
    cursor: dynamoSweepCursor(ledgerDocumentClient(dynamoDbClient()), e.LEDGER_TABLE, COUNTER_SCOPE, () =>
      s.now().getTime(),
    ),
    publisher: eventBridgePublisher(eventBridgeClient(), e.EVENT_BUS_NAME),
    notifier: s.notifier,
    log: s.log,
    now: s.now,
    options: {
      staleMinutes: e.AGENT_STALE_MINUTES,
      debounceSweeps: e.AGENT_DEBOUNCE_SWEEPS,
      pagesPerSweep: e.AGENT_SWEEP_PAGES,
    },
    account: accountOf(context.invokedFunctionArn),
    region: process.env.AWS_REGION,
  };
  return deps;
}

export const handler = lambda(logger, async (event: unknown, context: Context) => {
  const id = typeof event === 'object' && event && 'id' in event ? String(event.id) : undefined;
  const r = await sweepAgents(agentSweepDeps(context), id);
  return {
    instances: r.instances,
    walk: r.walk,
    suspects: r.suspects.length,
    published: r.published,
    unpublished: r.unpublished,
    recovered: r.recovered,
  };
});
