/**
 * `remediator history --resource <id>`: what the service did to a resource (or with a remediation),
 * newest first, read from the ledger table through the real DynamoDB client. The endpoint is
 * --endpoint, AWS_ENDPOINT_URL (the sandbox) or the SDK's default (a real account); the table is
 * --table, LEDGER_TABLE, or the one table at that endpoint named like the service's ledger.
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { dynamoLedger, ledgerDocumentClient } from '../adapters/ledger-dynamodb.ts';
import { errorMessage, errorName } from '../model/errors.ts';
import type { Outcome } from '../model/types.ts';
import { parseCommand, usageError, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';

export const HISTORY = {
  name: 'history',
  brief: 'outcomes recorded in the ledger, newest first',
  summary:
    'Outcomes recorded in the ledger for a resource or a remediation, newest first (kept 90 days).\n' +
    'The endpoint is --endpoint, $AWS_ENDPOINT_URL or the SDK default (a real account, with AWS_REGION\n' +
    'and credentials). The table is --table, $LEDGER_TABLE, or found at the endpoint by its name\n' +
    '(ssm-remediator-<stage>-ledger, as serverless.yml names it) when exactly one table has that name.',
  options: {
    resource: {
      type: 'string',
      value: 'ID',
      help: 'one resource (with --remediation: that remediation on it)',
    },
    remediation: { type: 'string', value: 'ID', help: 'one remediation, across resources' },
    held: {
      type: 'boolean',
      help: 'the work held now (deferrals: calendar, gate, SSM, budget, admission), oldest first',
    },
    limit: { type: 'integer', value: 'N', min: 1, max: 1000, help: 'at most N outcomes (default 50)' },
    json: { type: 'boolean', help: 'one JSON object per line' },
    table: {
      type: 'string',
      value: 'NAME',
      help: 'the ledger table (default $LEDGER_TABLE, else found by name)',
    },
    endpoint: { type: 'string', value: 'URL', help: 'e.g. a running sandbox (default $AWS_ENDPOINT_URL)' },
  },
  more: 'Example, against `remediator sandbox`:\n  remediator history --resource sg-0a1b2c3d4e5f67890 --endpoint http://127.0.0.1:4566',
} as const satisfies CommandSpec;

/** The ledger table's name in every stage: `ssm-remediator-${sls:stage}-ledger` in serverless.yml. */
export const LEDGER_TABLE_NAME = /^ssm-remediator-[A-Za-z0-9-]+-ledger$/;

/** The one ledger table at the client's endpoint, or an error message saying why there is not one. */
export async function findLedgerTable(client: DynamoDBClient): Promise<{ table?: string; error?: string }> {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const page = await client.send(
      new ListTablesCommand({ ...(start ? { ExclusiveStartTableName: start } : {}) }),
    );
    names.push(...(page.TableNames ?? []));
    start = page.LastEvaluatedTableName;
  } while (start);
  const found = names.filter((n) => LEDGER_TABLE_NAME.test(n));
  if (found.length === 1) return { table: found[0] };
  if (found.length === 0)
    return {
      error: `no ledger table (ssm-remediator-<stage>-ledger) among ${names.length} table(s)${names.length ? `: ${names.join(', ')}` : ''}; pass --table NAME`,
    };
  return { error: `${found.length} ledger tables (${found.join(', ')}): pass --table NAME` };
}

export function formatOutcome(o: Outcome): string {
  const what = o.code ? `${o.outcome}/${o.code}` : o.outcome;
  return [
    o.at,
    what.padEnd(20),
    (o.remediation ?? '-').padEnd(28),
    (o.resourceId ?? '-').padEnd(24),
    (o.executionId ?? '-').padEnd(36),
    o.reason,
  ].join('  ');
}

export async function historyCommand(args: string[], io: Io): Promise<number> {
  const parsed = parseCommand(HISTORY, args, io);
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values;
  if (!v.resource && !v.remediation && !v.held)
    return usageError(io, HISTORY, 'give --resource <id>, --remediation <id> or --held');
  const env = io.env;
  const endpoint = v.endpoint ?? env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL;
  const keys =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : // A local endpoint (the sandbox) takes any key; a real account uses the SDK's credential chain.
        v.endpoint
        ? { accessKeyId: 'test', secretAccessKey: 'test' }
        : undefined;
  const client = new DynamoDBClient({
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    ...(keys ? { credentials: keys } : {}),
  });
  let table = v.table ?? (env.LEDGER_TABLE || undefined);
  const where = endpoint ?? 'the default endpoint';
  try {
    if (!table) {
      const found = await findLedgerTable(client);
      if (!found.table) {
        io.err(`remediator history: ${where}: ${found.error}`);
        return 1;
      }
      table = found.table;
    }
    const ledger = dynamoLedger(ledgerDocumentClient(client), { tableName: table });
    if (v.held) {
      const held = (await ledger.listDeferrals())
        .filter(
          (d) =>
            (!v.resource || d.resourceId === v.resource) &&
            (!v.remediation || d.remediationId === v.remediation),
        )
        .slice(0, v.limit ?? 50);
      for (const d of held)
        io.out(
          v.json
            ? JSON.stringify({ ...d, finding: undefined })
            : [
                d.deferredAt,
                (d.code ?? 'calendar-closed').padEnd(20),
                d.remediationId.padEnd(28),
                d.resourceId.padEnd(24),
                `tries ${d.attempts ?? 1}`.padEnd(10),
                d.heldReason ?? `waiting for ${d.calendars.join(', ')}`,
              ].join('  '),
        );
      if (!held.length && !v.json) io.out('nothing is held');
      return 0;
    }
    const outcomes = await ledger.history({
      ...(v.resource ? { resourceId: v.resource } : {}),
      ...(v.remediation ? { remediationId: v.remediation } : {}),
      limit: v.limit ?? 50,
    });
    const subject = [v.remediation, v.resource].filter(Boolean).join(' on ');
    if (v.json) {
      for (const o of outcomes) io.out(JSON.stringify(o));
      return 0;
    }
    if (outcomes.length === 0) {
      io.out(`no outcomes recorded for ${subject} (the ledger keeps 90 days)`);
      return 0;
    }
    io.out(
      [
        'at'.padEnd(24),
        'outcome'.padEnd(20),
        'remediation'.padEnd(28),
        'resource'.padEnd(24),
        'execution'.padEnd(36),
        'reason',
      ].join('  '),
    );
    for (const o of outcomes) io.out(formatOutcome(o));
    return 0;
  } catch (e) {
    io.err(
      `remediator history: could not read ${table ?? 'the table list'} at ${where}: ${errorName(e)}: ${errorMessage(e)}`,
    );
    return 1;
  } finally {
    client.destroy();
  }
}
