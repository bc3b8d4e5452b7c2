/**
 * Completion events (`EC2 Automation Execution Status-change Notification`, `EC2 Command
 * Status-change Notification`) → the ledger: final status once, lock released, outcome reported.
 * Glue only: the logic is src/core/completion.ts, the AWS reads src/adapters/.
 */
import { configCompliance } from '../adapters/config-compliance.ts';
import { dynamoLedger, ledgerDocumentClient, ledgerOptionsFromEnv } from '../adapters/ledger-dynamodb.ts';
import { createLogger } from '../adapters/logger.ts';
import { ssmExecutions } from '../adapters/ssm-executions.ts';
import { handleCompletion, runtimeOptionsFromEnv, type CompletionDeps } from '../core/completion.ts';
import { lazyContainer } from './lib/deps.ts';
import { lambda } from './lib/middleware.ts';

const logger = createLogger();
const container = lazyContainer(logger);
let deps: CompletionDeps | undefined;

function completionDeps(): CompletionDeps {
  if (deps) return deps;
  const c = container();
  const e = c.config.env;
  deps = {
    ...c.deps,
    ledger: dynamoLedger(ledgerDocumentClient(c.clients.dynamodb), ledgerOptionsFromEnv(e.LEDGER_TABLE, e)),
    executions: ssmExecutions(c.clients.ssm),
    compliance: configCompliance(c.clients.config),
    options: runtimeOptionsFromEnv(e),
  };
  return deps;
}

export const handler = lambda(logger, async (event: unknown) => {
  const id = typeof event === 'object' && event && 'id' in event ? String(event.id) : undefined;
  if (id) logger.appendKeys({ eventId: id });
  const r = await handleCompletion(event, completionDeps());
  return r.status === 'closed'
    ? {
        status: r.status,
        executionId: r.executionId,
        outcomes: r.outcomes.map((o) => ({ resourceId: o.resourceId, outcome: o.outcome, code: o.code })),
      }
    : r;
});
