/**
 * Issue 16: `remediator approve <id>` / `remediator reject <id>` through the real bin against a sandbox
 * account, signed as the stage's operator: a finding held for approval (mode `approve`) is released
 * through the gates and started once with the operator recorded as the approver, or ended
 * `skipped: rejected-by` with nothing started; a second decision changes nothing; a caller who is not
 * an operator principal is refused by the bus policy.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SANDBOX_OPERATOR, type SandboxAccount } from '../../sandbox/account.ts';
import { runCli, STACK_TRACE } from '../helpers/cli.ts';
import { executionsFor, SG_ARN, startTestAccount } from '../helpers/sandbox.ts';

/** A user who exported nothing: the CLI signs as the sandbox's operator. */
const bareEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && k !== 'LEDGER_TABLE'),
);
const OPERATOR_SESSION = `arn:aws:sts::123456789012:assumed-role/ssm-remediator-sandbox-operator/${SANDBOX_OPERATOR.accessKeyId}`;

let acct: SandboxAccount;
beforeAll(async () => {
  acct = await startTestAccount();
  acct.parameters.put({
    name: '/ssm-remediator/sandbox/mode/restricted-ssh',
    value: 'approve',
    type: 'String',
    overwrite: true,
  });
  acct.config.putRule('restricted-ssh');
}, 120_000);
afterAll(async () => acct?.close());

const cli = (args: string[], env = bareEnv) =>
  runCli([...args, '--endpoint', acct.url], { env, timeoutMs: 120_000 });

const notices = (sg: string) =>
  acct.sns
    .messages()
    .map((m) => JSON.parse(m.Message) as Record<string, unknown>)
    .filter((m) => (m['resource'] as { id?: string } | undefined)?.id === sg);

/** Config finds the group open (NON_COMPLIANT, announced); the service holds it for approval. */
async function heldForApproval(sg: string): Promise<string> {
  acct.tagging.setTags(SG_ARN(sg), { Name: `${sg}-name` });
  acct.config.setCompliance(
    'restricted-ssh',
    { resourceType: 'AWS::EC2::SecurityGroup', resourceId: sg },
    'NON_COMPLIANT',
    { evaluate: true },
  );
  await acct.bus.idle({ timeoutMs: 60_000 });
  const asked = notices(sg).find((m) => m['code'] === 'approval');
  expect(asked).toMatchObject({ outcome: 'deferred', mode: 'approve' });
  expect(executionsFor(acct, sg)).toHaveLength(0);
  return String(asked!['approvalId']);
}

/** The status command's view of held work, as JSON lines or text. */
const held = async (sg: string) => (await cli(['status'])).stdout.includes(sg);

test('approve: the held finding is released through the gates and started once, the operator recorded', async () => {
  const sg = 'sg-00000000000000d01';
  const id = await heldForApproval(sg);
  expect(await held(sg)).toBe(true);

  const r = await cli(['approve', id]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`approve ${id} as ${OPERATOR_SESSION}`);
  await acct.bus.idle({ timeoutMs: 60_000 });

  const runs = executionsFor(acct, sg);
  expect(runs).toHaveLength(1);
  expect(runs[0]!.DocumentName).toBe('AWS-DisablePublicAccessForSecurityGroup');
  const tags = runs[0]!.tags.map((t) => `${t.Key}=${t.Value}`).join('\n');
  expect(tags).toContain(`approved-by=${OPERATOR_SESSION}`);
  expect(notices(sg).find((m) => m['outcome'] === 'started')).toMatchObject({
    approvedBy: OPERATOR_SESSION,
    approvalId: id,
  });

  // Decided once: a reject afterwards is put on the bus, refused by the reconcile function, changes nothing.
  const late = await cli(['reject', id]);
  expect(late.code).toBe(0);
  await acct.bus.idle({ timeoutMs: 60_000 });
  expect(executionsFor(acct, sg)).toHaveLength(1);
  expect(notices(sg).filter((m) => m['code'] === 'rejected-by')).toEqual([]);
  expect(
    acct.logs
      .json('reconcile')
      .some((l) => l['message'] === 'approval decision refused' && l['approvalId'] === id),
  ).toBe(true);
}, 180_000);

test('reject: the held finding ends skipped (rejected-by), announced once, nothing started', async () => {
  const sg = 'sg-00000000000000d02';
  const id = await heldForApproval(sg);

  const r = await cli(['reject', id, '--json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({
    approvalId: id,
    decision: 'reject',
    requestedBy: OPERATOR_SESSION,
  });
  await acct.bus.idle({ timeoutMs: 60_000 });

  expect(executionsFor(acct, sg)).toHaveLength(0);
  const ended = notices(sg).filter((m) => m['code'] === 'rejected-by');
  expect(ended).toHaveLength(1);
  expect(ended[0]).toMatchObject({ outcome: 'skipped', approvalId: id });
  expect(String(ended[0]!['reason'])).toContain(OPERATOR_SESSION);
  expect(await held(sg)).toBe(false);
}, 180_000);

test('a caller who is not an operator principal is refused by the bus policy, exit 1', async () => {
  const r = await cli(['approve', 'ap-0123456789abcdef0123'], {
    ...bareEnv,
    AWS_ACCESS_KEY_ID: 'intruder',
    AWS_SECRET_ACCESS_KEY: 'intruder',
  });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('AccessDeniedException');
  expect(r.stderr).not.toMatch(STACK_TRACE);
}, 60_000);
