/**
 * `remediator remediate --remediation R --resource ID`: asks the deployed service to remediate one
 * resource now. The CLI learns who is asking (STS GetCallerIdentity) and puts `Remediation Requested`
 * (source ssm-remediator.operator) on the stage's bus, which only the stage's `operatorPrincipals` may
 * do; the remediate function turns it into a finding for that one remediation and runs it through
 * every gate, guard and the ledger like any other (src/core/manual.ts), with `requestedBy` in the
 * ledger and the notification. `--wait N` waits up to N seconds for the decision and prints it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { callerIdentity, STSClient } from '../adapters/caller-identity-sts.ts';
import { dynamoLedger, ledgerDocumentClient } from '../adapters/ledger-dynamodb.ts';
import { EventBridgeClient, putOperatorEvent } from '../adapters/operator-bus.ts';
import { errorMessage, errorName } from '../model/errors.ts';
import type { Registry } from '../core/registry.ts';
import type { Outcome } from '../model/types.ts';
import { OPERATOR_EVENT_SOURCE, REMEDIATION_REQUESTED, remediationRequested } from '../events/operator.ts';
import { parseCommand, usageError, type CommandSpec } from './args.ts';
import { AWS_OPTIONS, cliAws, clientConfig } from './aws-env.ts';
import { formatOutcome } from './history.ts';
import type { Io } from './io.ts';

export const REMEDIATE = {
  name: 'remediate',
  brief: 'ask the deployed service to remediate one resource now (gated, recorded)',
  summary:
    "Puts `Remediation Requested` on the stage's bus (ssm-remediator-<stage>) for one remediation and\n" +
    "resource, signed with your credentials: only the stage's operatorPrincipals may. The service runs it\n" +
    'through every gate (kill switch, mode, opt-out, guards, budget, calendar) and records who asked.',
  options: {
    remediation: {
      type: 'string',
      value: 'ID',
      help: 'the remediation to run (remediator check lists them)',
    },
    resource: { type: 'string', value: 'ID', help: 'the resource id (security group, bucket, instance, …)' },
    note: {
      type: 'string',
      value: 'TEXT',
      help: 'a line for the record, e.g. a ticket (at most 200 characters)',
    },
    wait: {
      type: 'integer',
      value: 'SECONDS',
      min: 0,
      max: 900,
      help: 'wait up to this long for the decision and print it (default 0: do not wait)',
    },
    ...AWS_OPTIONS,
  },
  more:
    'Examples:\n' +
    '  remediator remediate --remediation restricted-ssh --resource sg-0a1b2c3d4e5f67890 --endpoint http://127.0.0.1:4566 --wait 60\n' +
    '  AWS_PROFILE=oncall remediator remediate --stage prod --region eu-west-1 \\\n' +
    '    --remediation restricted-ssh --resource sg-0a1b2c3d4e5f67890 --note "INC-4711" --wait 60',
} as const satisfies CommandSpec;

export async function remediateCommand(argv: string[], io: Io, registry: Registry): Promise<number> {
  const parsed = parseCommand(REMEDIATE, argv, io);
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values;
  if (!v.remediation || !v.resource)
    return usageError(io, REMEDIATE, 'give --remediation <id> and --resource <id>');
  const r = registry.get(v.remediation);
  if (!r) {
    io.err(
      `remediator remediate: unknown remediation ${v.remediation} (known: ${registry
        .all()
        .map((x) => x.id)
        .join(', ')})`,
    );
    return 1;
  }
  const aws = cliAws(io, v);
  if (typeof aws === 'string') return usageError(io, REMEDIATE, aws);
  const where = aws.endpoint ?? `${aws.region} (your credentials' account)`;
  const sts = new STSClient(clientConfig(aws));
  const events = new EventBridgeClient(clientConfig(aws));
  try {
    const who = await callerIdentity(sts);
    const detail = {
      remediation: r.id,
      resourceId: v.resource,
      requestedBy: who.arn,
      ...(v.note ? { note: v.note } : {}),
    };
    const checked = remediationRequested.safeParse(detail);
    if (!checked.success) {
      const i = checked.error.issues[0]!;
      io.err(`remediator remediate: ${i.path.join('.')}: ${i.message}`);
      return 1;
    }
    const eventId = await putOperatorEvent(
      events,
      aws.names.bus,
      OPERATOR_EVENT_SOURCE,
      REMEDIATION_REQUESTED,
      detail,
    );
    if (!v.json)
      io.out(
        `requested ${r.id} on ${v.resource} as ${who.arn}: event ${eventId} on ${aws.names.bus} at ${where}`,
      );
    if (!v.wait) {
      if (v.json) io.out(JSON.stringify({ eventId, requestedBy: who.arn, bus: aws.names.bus }));
      return 0;
    }
    const outcomes = await waitForDecision(aws, v.resource, eventId, v.wait * 1000);
    if (v.json) io.out(JSON.stringify({ eventId, requestedBy: who.arn, bus: aws.names.bus, outcomes }));
    else if (outcomes.length === 0)
      io.out(`no decision recorded within ${v.wait} s: see remediator history --resource ${v.resource}`);
    else for (const o of outcomes) io.out(formatOutcome(o));
    return outcomes.length === 0 ? 1 : 0;
  } catch (e) {
    io.err(`remediator remediate: ${where}: ${errorName(e)}: ${errorMessage(e)}`);
    return 1;
  } finally {
    sts.destroy();
    events.destroy();
  }
}

/** The outcomes the ledger records for this event, once there are any (polls every second). */
async function waitForDecision(
  aws: Exclude<ReturnType<typeof cliAws>, string>,
  resourceId: string,
  eventId: string,
  ms: number,
): Promise<Outcome[]> {
  const client = new DynamoDBClient(clientConfig(aws));
  const ledger = dynamoLedger(ledgerDocumentClient(client), { tableName: aws.names.ledger });
  const until = Date.now() + ms;
  try {
    for (;;) {
      const mine = (await ledger.history({ resourceId, limit: 100 })).filter((o) => o.eventId === eventId);
      if (mine.length > 0 || Date.now() >= until) return mine;
      await new Promise((ok) => setTimeout(ok, 1000));
    }
  } finally {
    client.destroy();
  }
}
