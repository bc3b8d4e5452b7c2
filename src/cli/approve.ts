/**
 * `remediator approve <id>` / `remediator reject <id>` (docs/approvals.md): decide an approval request
 * without Slack. The CLI learns who is asking (STS GetCallerIdentity) and puts `Approval Decided`
 * (source ssm-remediator.operator) on the stage's bus, which only the stage's `operatorPrincipals`
 * may do; the reconcile function records the decision once (a conditional write: a request already
 * decided or timed out is refused) and, on Approve, runs the held finding through every gate again.
 */
import { callerIdentity, STSClient } from '../adapters/caller-identity-sts.ts';
import { EventBridgeClient, putOperatorEvent } from '../adapters/operator-bus.ts';
import { errorMessage, errorName } from '../model/errors.ts';
import { APPROVAL_DECIDED, approvalDecidedByOperator } from '../events/approval.ts';
import { OPERATOR_EVENT_SOURCE } from '../events/operator.ts';
import { parseCommand, usageError, type CommandSpec } from './args.ts';
import { AWS_OPTIONS, cliAws, clientConfig } from './aws-env.ts';
import type { Io } from './io.ts';

const spec = (name: 'approve' | 'reject') =>
  ({
    name,
    brief:
      name === 'approve'
        ? 'approve a held plan (mode approve): the gates are read again, then it acts'
        : 'reject a held plan (mode approve): it ends skipped (rejected-by), nothing starts',
    summary:
      `Puts \`Approval Decided\` (${name}) on the stage's bus for one approval request, signed with your\n` +
      "credentials: only the stage's operatorPrincipals may. `remediator status` lists pending approvals;\n" +
      'the Slack message names the id too. A request is decided once.',
    args: '<approval-id>',
    positionals: { min: 1, max: 1 },
    options: { ...AWS_OPTIONS },
    more: `Example:\n  remediator ${name} ap-0123456789abcdef0123 --endpoint http://127.0.0.1:4566`,
  }) as const satisfies CommandSpec;

export const APPROVE = spec('approve');
export const REJECT = spec('reject');

export async function approveCommand(
  argv: string[],
  io: Io,
  decision: 'approve' | 'reject',
): Promise<number> {
  const command = decision === 'approve' ? APPROVE : REJECT;
  const parsed = parseCommand(command, argv, io);
  if (typeof parsed === 'number') return parsed;
  const id = parsed.positionals[0];
  if (!id) return usageError(io, command, 'give the approval id (remediator status lists them)');
  const aws = cliAws(io, parsed.values);
  if (typeof aws === 'string') return usageError(io, command, aws);
  const where = aws.endpoint ?? `${aws.region} (your credentials' account)`;
  const sts = new STSClient(clientConfig(aws));
  const events = new EventBridgeClient(clientConfig(aws));
  try {
    const who = await callerIdentity(sts);
    const detail = { approvalId: id, decision, requestedBy: who.arn };
    const checked = approvalDecidedByOperator.safeParse(detail);
    if (!checked.success) {
      const i = checked.error.issues[0]!;
      io.err(`remediator ${decision}: ${i.path.join('.')}: ${i.message}`);
      return 1;
    }
    const eventId = await putOperatorEvent(
      events,
      aws.names.bus,
      OPERATOR_EVENT_SOURCE,
      APPROVAL_DECIDED,
      detail,
    );
    const out = { approvalId: id, decision, requestedBy: who.arn, eventId, bus: aws.names.bus };
    if (parsed.values.json) io.out(JSON.stringify(out));
    else io.out(`${decision} ${id} as ${who.arn}: event ${eventId} on ${aws.names.bus} at ${where}`);
    return 0;
  } catch (e) {
    io.err(`remediator ${decision}: ${where}: ${errorName(e)}: ${errorMessage(e)}`);
    return 1;
  } finally {
    sts.destroy();
    events.destroy();
  }
}
