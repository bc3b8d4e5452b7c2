/**
 * `remediator history --resource <id>`: what the service did to a resource (or with a remediation),
 * newest first, read from the ledger table through the real DynamoDB client. The endpoint comes
 * from AWS_ENDPOINT_URL (the sandbox) or the SDK's defaults (a real account).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoLedger, ledgerDocumentClient } from '../adapters/ledger-dynamodb.ts';
import { errorMessage, errorName } from '../core/errors.ts';
import type { Outcome } from '../core/types.ts';

export const HISTORY_USAGE = `usage: remediator history (--resource <id> | --remediation <id>) [--limit N] [--json] [--table NAME]
  Outcomes recorded in the ledger, newest first (kept 90 days).
  --resource <id>      one resource (both flags: that remediation on that resource)
  --remediation <id>   one remediation, across resources
  --limit N            at most N outcomes (default 50)
  --json               one JSON object per line
  --table NAME         the ledger table (default: $LEDGER_TABLE)`;

interface HistoryArgs {
  resourceId?: string;
  remediationId?: string;
  limit: number;
  json: boolean;
  table?: string;
}

function parseArgs(args: string[]): HistoryArgs | string {
  const a: HistoryArgs = { limit: 50, json: false };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
      return v;
    };
    try {
      if (flag === '--resource') a.resourceId = value();
      else if (flag === '--remediation') a.remediationId = value();
      else if (flag === '--table') a.table = value();
      else if (flag === '--json') a.json = true;
      else if (flag === '--limit') {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1 || n > 1000) return '--limit must be a whole number from 1 to 1000';
        a.limit = n;
      } else if (flag === '--help' || flag === '-h') return '';
      else return `unknown option ${JSON.stringify(flag)}`;
    } catch (e) {
      return errorMessage(e);
    }
  }
  if (!a.resourceId && !a.remediationId) return 'give --resource <id> or --remediation <id>';
  return a;
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

export async function historyCommand(
  args: string[],
  io: { out: (s: string) => void; err?: (s: string) => void; env: NodeJS.ProcessEnv },
): Promise<number> {
  const err = io.err ?? io.out;
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    if (parsed) err(`remediator history: ${parsed}`);
    (parsed ? err : io.out)(HISTORY_USAGE);
    return parsed ? 2 : 0;
  }
  const table = parsed.table ?? io.env.LEDGER_TABLE;
  if (!table) {
    err('remediator history: no ledger table: set LEDGER_TABLE or pass --table');
    return 2;
  }
  const env = io.env;
  const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL;
  const client = new DynamoDBClient({
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
  });
  try {
    const ledger = dynamoLedger(ledgerDocumentClient(client), { tableName: table });
    const outcomes = await ledger.history({
      ...(parsed.resourceId ? { resourceId: parsed.resourceId } : {}),
      ...(parsed.remediationId ? { remediationId: parsed.remediationId } : {}),
      limit: parsed.limit,
    });
    const subject = [parsed.remediationId, parsed.resourceId].filter(Boolean).join(' on ');
    if (parsed.json) {
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
    err(`remediator history: could not read ${table}: ${errorName(e)}: ${errorMessage(e)}`);
    return 1;
  } finally {
    client.destroy();
  }
}
