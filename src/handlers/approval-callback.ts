/**
 * Slack's interactive callback (Approve / Reject buttons) through a Lambda Function URL, auth type
 * NONE: Slack cannot sign with SigV4, so the request is authenticated by Slack's own signature,
 * verified against the signing secret (a SecureString only this function's role may read). Glue
 * only: the logic is src/core/approval-callback.ts (docs/approvals.md).
 */
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { approvalSignal } from '../adapters/approval-signal-eventbridge.ts';
import { dynamoApprovals } from '../adapters/approvals-dynamodb.ts';
import { dynamoDbClient, eventBridgeClient, ssmClient } from '../adapters/aws-clients.ts';
import { ledgerDocumentClient } from '../adapters/ledger-dynamodb.ts';
import { createLogger, logPort } from '../adapters/logger.ts';
import { slackResponder } from '../adapters/slack-response-url.ts';
import { slackGroupMembers } from '../adapters/slack-usergroups.ts';
import { slackUrlReader } from '../adapters/slack-webhook-param.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { parseApprovers } from '../core/approval.ts';
import { handleApprovalCallback, type CallbackDeps } from '../core/approval-callback.ts';
import { once } from './lib/once.ts';
import { lambda } from './lib/middleware.ts';

const logger = createLogger();
const env = (name: string) => process.env[name] ?? '';

const deps = once((): CallbackDeps => {
  const secret = slackUrlReader(ssmClient(), env('SLACK_SIGNING_SECRET_PARAM'));
  return {
    signingSecret: secret,
    approvers: parseApprovers(env('APPROVERS')),
    // Only read for a click by someone the list does not name, when it names a user group.
    groupMembers: slackGroupMembers({
      apiUrl: env('SLACK_API_URL') || 'https://slack.com/api',
      token: slackUrlReader(ssmClient(), env('SLACK_BOT_TOKEN_PARAM')),
      now: systemClock.now,
    }),
    approvals: dynamoApprovals(ledgerDocumentClient(dynamoDbClient()), env('LEDGER_TABLE')),
    signal: approvalSignal(eventBridgeClient(), env('EVENT_BUS_NAME')),
    respond: slackResponder(
      (env('SLACK_RESPONSE_HOSTS') || 'hooks.slack.com')
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean),
    ),
    log: logPort(logger),
    now: systemClock.now,
  };
});

export const handler = lambda(
  logger,
  async (event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> =>
    handleApprovalCallback(
      { headers: event.headers ?? {}, body: event.body, isBase64Encoded: event.isBase64Encoded },
      deps(),
    ),
);
