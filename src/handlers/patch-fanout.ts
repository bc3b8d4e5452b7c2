/**
 * SQS (PatchFailuresQueue) → patch fan-out. EventBridge writes each patch failure to the queue; the
 * event source mapping hands this function up to 1,000 of them after a batching window, so failures
 * that arrive together become few SendCommand calls. Partial batch response: only the records that
 * hit something transient are reported in batchItemFailures and redelivered.
 * Glue only: the logic is src/core/fanout.ts.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createLogger } from '../adapters/logger.ts';
import { runFanout } from '../core/fanout.ts';
import { engineDeps, once, sharedDeps } from './lib/deps.ts';
import { atHome } from './lib/home.ts';
import { lambda } from './lib/middleware.ts';

const logger = createLogger();
const deps = once(() => engineDeps(sharedDeps(logger)));

export const handler = lambda(
  logger,
  async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const records = (event.Records ?? []).map((r) => ({ id: r.messageId, body: r.body }));
    const r = await runFanout(records, atHome(deps(), context));
    logger.info('patch fan-out', {
      records: records.length,
      commands: r.commands.map((c) => ({
        commandId: c.commandId,
        document: c.document,
        instances: c.instanceIds.length,
      })),
      outcomes: r.outcomes.length,
      retry: r.retry.length,
    });
    return { batchItemFailures: r.retry.map((itemIdentifier) => ({ itemIdentifier })) };
  },
);
