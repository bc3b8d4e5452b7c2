/**
 * SQS (SlackQueue, subscribed to the results topic) → Slack. The event source mapping hands this
 * function what arrived in one batching window; it posts one message per remediation (a digest when
 * there are several outcomes), about one per second, honouring Slack's 429 Retry-After. Records
 * whose post failed are reported in batchItemFailures and come back after the visibility timeout.
 * The only function that reads the webhook URL. Glue only: the logic is src/core/slack-posts.ts.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ssmClient } from '../adapters/aws-clients.ts';
import { createLogger, logPort } from '../adapters/logger.ts';
import { postToSlack } from '../adapters/notifier-slack.ts';
import { slackPayload } from '../adapters/slack-digest.ts';
import { postSlackBatch } from '../core/slack-posts.ts';
import { slackUrlReader } from '../adapters/slack-webhook-param.ts';
import { notificationFailed } from '../core/metrics.ts';
import { lambda } from './lib/middleware.ts';
import { containerMetrics } from './lib/metrics.ts';

const logger = createLogger();
const log = logPort(logger);
let readUrl: (() => Promise<string | undefined>) | undefined;
const webhookUrl = () =>
  (readUrl ??= slackUrlReader(ssmClient(), process.env['SLACK_WEBHOOK_PARAM'] ?? ''))();

export const handler = lambda(
  logger,
  async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const records = (event.Records ?? []).map((r) => ({ id: r.messageId, body: r.body }));
    const url = await webhookUrl();
    if (!url) {
      // No Slack configured: nothing to post, nothing to keep (the results topic has every outcome).
      logger.info('no Slack webhook configured; records dropped from the Slack queue', {
        records: records.length,
      });
      return { batchItemFailures: [] };
    }
    const r = await postSlackBatch(records, {
      send: (post) => postToSlack(url, slackPayload(post)),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      remainingMs: () => context.getRemainingTimeInMillis(),
      log,
    });
    notificationFailed(containerMetrics(), 'slack', r.failed.length);
    logger.info('Slack batch', {
      records: records.length,
      posts: r.posts,
      digests: r.digests,
      rateLimited: r.rateLimited,
      failed: r.failed.length,
    });
    return { batchItemFailures: r.failed.map((itemIdentifier) => ({ itemIdentifier })) };
  },
);
