/**
 * `remediator status`: a stage's switches and modes, held work and why (and when it is released),
 * the budget, guard trips and circuit breakers, executions in flight and the queues' depths
 * (dead letters first among what needs attention). Read-only: GetParameters, DynamoDB Query/GetItem,
 * GetQueueUrl/GetQueueAttributes. The judging and wording is src/core/status.ts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoLedger, ledgerDocumentClient } from '../adapters/ledger-dynamodb.ts';
import { dynamoApprovals } from '../adapters/approvals-dynamodb.ts';
import { approvalLines } from './approvals-status.ts';
import { queueDepths, SQSClient } from '../adapters/queue-depths-sqs.ts';
import { SSMClient, switchValues } from '../adapters/switch-values-ssm.ts';
import { errorMessage, errorName } from '../model/errors.ts';
import type { Registry } from '../core/registry.ts';
import { statusLines, statusReport } from '../core/status.ts';
import { parseCommand, usageError, type CommandSpec } from './args.ts';
import { AWS_OPTIONS, cliAws, clientConfig } from './aws-env.ts';
import type { Io } from './io.ts';

/** The stage's queues (serverless.yml), work queues first, then the dead letters. */
export const QUEUE_SUFFIXES = [
  'patch-failures',
  'slack',
  'notify-outbox',
  'rejected-events',
  'failed-invocations',
  'event-target-dlq',
  'patch-failures-dlq',
  'notify-outbox-dlq',
  'slack-dlq',
] as const;

export const STATUS = {
  name: 'status',
  brief: "a stage's switches, held work, budget, breakers and queues (read-only)",
  summary:
    'What the deployed service is doing now, read-only: the kill switch and every mode, work held in the\n' +
    'ledger and why (calendar, budget, SSM, a gate) and when it is released, the hourly budget, guard trips\n' +
    'and circuit breakers, executions in flight, and how many messages wait in each queue and dead letter.',
  options: {
    'budget-per-hour': {
      type: 'integer',
      value: 'N',
      min: 1,
      max: 100000,
      help: "the stage's budgetPerHour param (default 50, serverless.yml)",
    },
    'deferral-max-age-hours': {
      type: 'integer',
      value: 'N',
      min: 1,
      max: 100000,
      help: "the stage's deferralMaxAgeHours param (default 168)",
    },
    ...AWS_OPTIONS,
  },
  more:
    'Examples:\n' +
    '  remediator status --endpoint http://127.0.0.1:4566\n' +
    '  AWS_PROFILE=oncall remediator status --stage prod --region eu-west-1',
} as const satisfies CommandSpec;

export async function statusCommand(argv: string[], io: Io, registry: Registry): Promise<number> {
  const parsed = parseCommand(STATUS, argv, io);
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values;
  const aws = cliAws(io, v);
  if (typeof aws === 'string') return usageError(io, STATUS, aws);
  const where = aws.endpoint ?? `${aws.region} (your credentials' account)`;
  const cfg = clientConfig(aws);
  const ssm = new SSMClient(cfg);
  const sqs = new SQSClient(cfg);
  const dynamo = new DynamoDBClient(cfg);
  const ledger = dynamoLedger(ledgerDocumentClient(dynamo), { tableName: aws.names.ledger });
  try {
    const now = new Date();
    const all = registry.all();
    const switches = await switchValues(
      ssm,
      aws.names.prefix,
      all.map((r) => r.id),
    );
    const remediations = [];
    for (const r of all)
      remediations.push({
        id: r.id,
        trigger: r.trigger,
        defaultMode: r.defaultMode,
        ...(switches.modes[r.id] !== undefined ? { mode: switches.modes[r.id] } : {}),
        breaker: await ledger.breaker(r.id, now),
      });
    const report = statusReport({
      stage: aws.stage,
      now,
      ...(switches.killSwitch !== undefined ? { killSwitch: switches.killSwitch } : {}),
      remediations,
      startedLastHour: await ledger.startedLastHour(now),
      budgetPerHour: v['budget-per-hour'] ?? 50,
      deferralMaxAgeHours: v['deferral-max-age-hours'] ?? 168,
      trips: await ledger.listTrips(),
      held: await ledger.listDeferrals(),
      // Every execution in flight, whatever the clock of the account (a sandbox's runs ahead of yours).
      inFlight: await ledger.listInFlight(new Date('9999-12-31T00:00:00Z')),
      verifying: await ledger.listVerifying(),
      queues: await queueDepths(
        sqs,
        QUEUE_SUFFIXES.map((s) => aws.names.queue(s)),
      ),
    });
    // Mode approve: the requests waiting for an approver (docs/approvals.md).
    const pending = await dynamoApprovals(ledgerDocumentClient(dynamo), aws.names.ledger).listPending(100);
    if (v.json) io.out(JSON.stringify({ ...report, approvals: pending }, null, 2));
    else for (const line of [...statusLines(report), ...approvalLines(pending, now)]) io.out(line);
    return 0;
  } catch (e) {
    io.err(`remediator status: ${aws.stage} at ${where}: ${errorName(e)}: ${errorMessage(e)}`);
    return 1;
  } finally {
    ssm.destroy();
    sqs.destroy();
    dynamo.destroy();
  }
}
