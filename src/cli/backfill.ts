/**
 * `remediator backfill`: what Config reports NON_COMPLIANT now, for the rules the remediations declare
 * (`configRules`). `--dry-run` lists, with your credentials, what a run would feed (Config's list, less
 * what the ledger holds or backfill fed in the last 24 h) and changes nothing. Without it the CLI asks
 * the deployed service for a run: `Backfill Requested` on the stage's bus (operatorPrincipals only),
 * which the reconcile function carries out through the same gates, guards, ledger and notifications
 * as events, at most `--limit` findings, paced (src/core/backfill.ts).
 */
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoBackfillMarks } from '../adapters/backfill-marks-dynamodb.ts';
import { callerIdentity, STSClient } from '../adapters/caller-identity-sts.ts';
import { configNonCompliant } from '../adapters/config-noncompliant.ts';
import { ledgerDocumentClient } from '../adapters/ledger-dynamodb.ts';
import { EventBridgeClient, putOperatorEvent } from '../adapters/operator-bus.ts';
import { BACKFILL_REFEED_HOURS, backfillTargets } from '../core/backfill.ts';
import { errorMessage, errorName } from '../model/errors.ts';
import type { Registry } from '../core/registry.ts';
import { BACKFILL_REQUESTED, OPERATOR_EVENT_SOURCE } from '../events/operator.ts';
import { parseCommand, usageError, type CommandSpec } from './args.ts';
import { AWS_OPTIONS, cliAws, clientConfig, type CliAws } from './aws-env.ts';
import type { Io } from './io.ts';

export const BACKFILL = {
  name: 'backfill',
  brief: 'fix what was NON_COMPLIANT before the deployment (Config has no event for it)',
  summary:
    'Lists every resource AWS Config reports NON_COMPLIANT for the rules the remediations answer, and asks\n' +
    'the deployed service to feed them through its gates like events (`Backfill Requested` on the\n' +
    "stage's bus: operatorPrincipals only). --dry-run lists what a run would feed and changes nothing.\n" +
    'A scheduled run can be turned on per stage: --param backfillPerRun=N (docs/operating.md).',
  options: {
    remediation: {
      type: 'string',
      value: 'ID',
      multiple: true,
      help: "only this remediation's rules (repeatable; default: all)",
    },
    limit: {
      type: 'integer',
      value: 'N',
      min: 1,
      max: 500,
      help: 'feed at most N findings in this run (default 50)',
    },
    'dry-run': { type: 'boolean', help: 'list what a run would feed; change nothing' },
    ...AWS_OPTIONS,
  },
  more:
    'Examples:\n' +
    '  remediator backfill --dry-run --endpoint http://127.0.0.1:4566\n' +
    '  remediator backfill --limit 20 --endpoint http://127.0.0.1:4566\n' +
    '  AWS_PROFILE=oncall remediator backfill --stage prod --region eu-west-1 --remediation restricted-ssh --dry-run',
} as const satisfies CommandSpec;

export async function backfillCommand(argv: string[], io: Io, registry: Registry): Promise<number> {
  const parsed = parseCommand(BACKFILL, argv, io);
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values;
  const aws = cliAws(io, v);
  if (typeof aws === 'string') return usageError(io, BACKFILL, aws);
  let targets;
  try {
    targets = backfillTargets(registry, v.remediation);
  } catch (e) {
    io.err(`remediator backfill: ${errorMessage(e)}`);
    return 1;
  }
  const limit = v.limit ?? 50;
  const where = aws.endpoint ?? `${aws.region} (your credentials' account)`;
  try {
    return v['dry-run']
      ? await dryRun(io, aws, targets, limit, !!v.json)
      : await request(io, aws, v.remediation, limit, !!v.json);
  } catch (e) {
    io.err(`remediator backfill: ${where}: ${errorName(e)}: ${errorMessage(e)}`);
    return 1;
  }
}

async function dryRun(
  io: Io,
  aws: CliAws,
  targets: ReturnType<typeof backfillTargets>,
  limit: number,
  json: boolean,
): Promise<number> {
  const config = new ConfigServiceClient(clientConfig(aws));
  const dynamo = new DynamoDBClient(clientConfig(aws));
  const marks = dynamoBackfillMarks(ledgerDocumentClient(dynamo), aws.names.ledger);
  const since = new Date(Date.now() - BACKFILL_REFEED_HOURS * 3_600_000);
  const rows: {
    rule: string;
    resourceType: string;
    resourceId: string;
    remediations: string[];
    feed: boolean;
  }[] = [];
  try {
    for (const t of targets)
      for await (const r of configNonCompliant(config).list(t.rule)) {
        if (r.resourceType !== t.resourceType) continue;
        const fresh = [];
        for (const id of t.remediations) if (!(await marks.seen(id, r.resourceId, since))) fresh.push(id);
        rows.push({ ...r, remediations: fresh.length ? fresh : t.remediations, feed: fresh.length > 0 });
      }
  } finally {
    config.destroy();
    dynamo.destroy();
  }
  const feed = rows.filter((r) => r.feed);
  const first = feed.slice(0, limit);
  if (json) {
    io.out(
      JSON.stringify({
        dryRun: true,
        rules: targets,
        nonCompliant: rows.length,
        wouldFeed: first,
        later: feed.length - first.length,
      }),
    );
    return 0;
  }
  io.out(
    `dry run: ${rows.length} resource(s) NON_COMPLIANT for ${targets.length} rule(s); ${rows.length - feed.length} already held or fed; a run would feed ${first.length}${feed.length > first.length ? ` (${feed.length - first.length} more in later runs)` : ''}`,
  );
  for (const r of first)
    io.out(`  would feed  ${r.rule.padEnd(36)} ${r.resourceId.padEnd(28)} → ${r.remediations.join(', ')}`);
  for (const r of rows.filter((x) => !x.feed))
    io.out(
      `  leave       ${r.rule.padEnd(36)} ${r.resourceId.padEnd(28)} (held, or fed in the last ${BACKFILL_REFEED_HOURS} h)`,
    );
  return 0;
}

async function request(
  io: Io,
  aws: CliAws,
  remediations: string[] | undefined,
  limit: number,
  json: boolean,
): Promise<number> {
  const sts = new STSClient(clientConfig(aws));
  const events = new EventBridgeClient(clientConfig(aws));
  try {
    const who = await callerIdentity(sts);
    const detail = { limit, requestedBy: who.arn, ...(remediations?.length ? { remediations } : {}) };
    const eventId = await putOperatorEvent(
      events,
      aws.names.bus,
      OPERATOR_EVENT_SOURCE,
      BACKFILL_REQUESTED,
      detail,
    );
    if (json) io.out(JSON.stringify({ eventId, bus: aws.names.bus, ...detail }));
    else
      io.out(
        `requested a backfill of at most ${limit} finding(s) as ${who.arn}: event ${eventId} on ${aws.names.bus}; follow it with remediator status and remediator history`,
      );
    return 0;
  } finally {
    sts.destroy();
    events.destroy();
  }
}
