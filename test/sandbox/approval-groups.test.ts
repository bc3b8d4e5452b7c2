/**
 * Issue 16: approvers that are a Slack user group, through the real approval-callback function in a
 * sandbox account. The stage's approvers name two groups; the sandbox's Slack plays the Web API
 * (`usergroups.users.list`, bearer token checked). A member's signed click approves, and the action
 * runs once with the member recorded; a user in no group is refused 403; with Slack's API faulted, a
 * wrong or missing bot token, the click is refused 503 `approvers-unreadable`, nothing is decided, and
 * the same click later succeeds. The function reads its bot token under its own role (IAM evaluated)
 * and never logs it.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SandboxAccount } from '../../sandbox/account.ts';
import { clickBody, functionUrlEvent, signSlack } from '../../sandbox/slack-interactions.ts';
import { executionsFor, SG_ARN, startTestAccount } from '../helpers/sandbox.ts';

const GROUPS = { S0SANDBOXOPS: ['U0OPS1', 'U0OPS2'], S0SANDBOXDBA: ['U0DBA1'] };

let acct: SandboxAccount;
let fnName: string;
let botTokenParam: string;
beforeAll(async () => {
  acct = await startTestAccount();
  acct.parameters.put({
    name: '/ssm-remediator/sandbox/mode/restricted-ssh',
    value: 'approve',
    type: 'String',
    overwrite: true,
  });
  acct.config.putRule('restricted-ssh');
  const fn = acct.fn('approvalCallback');
  fnName = fn.name;
  botTokenParam = fn.environment['SLACK_BOT_TOKEN_PARAM']!;
  acct.lambda.updateEnvironment(fnName, { APPROVERS: 'U0SANDBOX1,S0SANDBOXOPS,S0SANDBOXDBA' });
  acct.slack.setGroups(GROUPS);
}, 120_000);
afterAll(async () => acct?.close());

const notices = (sg: string) =>
  acct.sns
    .messages()
    .map((m) => JSON.parse(m.Message) as Record<string, unknown>)
    .filter((m) => (m['resource'] as { id?: string } | undefined)?.id === sg);

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
  return String(asked!['approvalId']);
}

/** Slack's signed Approve click by `user`, through the function's URL event; its HTTP answer. */
async function click(approvalId: string, user: string): Promise<{ status: number; body: string }> {
  const body = clickBody({
    approvalId,
    decision: 'approved',
    user,
    responseUrl: `${acct.url}/slack/actions/T0SANDBOX/${approvalId}/x`,
    triggerId: `t-${user}`,
  });
  const now = acct.clock.now();
  const ts = String(Math.floor(now.getTime() / 1000));
  const headers = {
    'x-slack-request-timestamp': ts,
    'x-slack-signature': signSlack(acct.slackSigningSecret!, ts, body),
  };
  const inv = await acct.invoke(fnName, functionUrlEvent(headers, body, now, `req-${user}-${now.getTime()}`));
  expect(inv.ok, JSON.stringify(inv.error)).toBe(true);
  const p = inv.payload as { statusCode: number; body: string };
  return { status: p.statusCode, body: p.body };
}

const refusals = () =>
  acct.logs.json('approvalCallback').filter((l) => l['message'] === 'approval callback refused');

test('a member of a group approves (the action runs once, the member recorded); a user in no group is refused 403', async () => {
  const sg = 'sg-00000000000000e01';
  const id = await heldForApproval(sg);

  expect(await click(id, 'U0STRANGER')).toEqual({ status: 403, body: 'not-an-approver' });
  const asked = acct.slack.apiCalls().filter((c) => c.method === 'usergroups.users.list');
  expect(asked.map((c) => [c.usergroup, c.ok])).toEqual([
    ['S0SANDBOXOPS', true],
    ['S0SANDBOXDBA', true],
  ]);

  expect(await click(id, 'U0OPS2')).toEqual({ status: 200, body: 'approved' });
  await acct.bus.idle({ timeoutMs: 60_000 });
  const runs = executionsFor(acct, sg);
  expect(runs).toHaveLength(1);
  expect(runs[0]!.tags.map((t) => `${t.Key}=${t.Value}`).join('\n')).toContain('approved-by=slack:U0OPS2');
  // Every read carried the bot token the sandbox seeded; the second click, at the same simulated
  // instant, was answered from the container's 60 s cache (no third read).
  expect(acct.slack.apiCalls().every((c) => c.ok)).toBe(true);
  expect(acct.slack.apiCalls().filter((c) => c.method === 'usergroups.users.list')).toHaveLength(2);
}, 180_000);

test("Slack's Web API down, or the token refused: 503 approvers-unreadable, nothing decided, a later click succeeds", async () => {
  const sg = 'sg-00000000000000e02';
  const id = await heldForApproval(sg);
  // Fresh containers: no group cached.
  acct.lambda.updateEnvironment(fnName, {});

  const remove = acct.faults.add({ target: 'slack', status: 503 });
  expect(await click(id, 'U0DBA1')).toEqual({ status: 503, body: 'approvers-unreadable' });
  remove();
  acct.slack.setBotToken('xoxb-someone-else');
  expect(await click(id, 'U0DBA1')).toEqual({ status: 503, body: 'approvers-unreadable' });
  expect(acct.slack.apiCalls().at(-1)).toMatchObject({ ok: false, error: 'invalid_auth' });
  acct.slack.setBotToken(acct.slackBotToken!);
  await acct.bus.idle({ timeoutMs: 60_000 });
  expect(executionsFor(acct, sg)).toHaveLength(0);
  expect(notices(sg).filter((m) => m['outcome'] === 'started')).toEqual([]);

  expect(await click(id, 'U0DBA1')).toEqual({ status: 200, body: 'approved' });
  await acct.bus.idle({ timeoutMs: 60_000 });
  expect(executionsFor(acct, sg)).toHaveLength(1);

  const unreadable = refusals().filter((l) => l['reason'] === 'approvers-unreadable');
  expect(unreadable).toHaveLength(2);
  expect(unreadable[0]).toMatchObject({ status: 503, user: 'U0DBA1', approvalId: id });
  expect(String(unreadable[0]!['error'])).toContain('HTTP 503');
  expect(String(unreadable[1]!['error'])).toContain('invalid_auth');
}, 180_000);

test('no bot token: 503 approvers-unreadable until the SecureString is there; the token is never logged', async () => {
  const sg = 'sg-00000000000000e03';
  const id = await heldForApproval(sg);
  acct.parameters.delete(botTokenParam);
  acct.lambda.updateEnvironment(fnName, {});
  expect(await click(id, 'U0OPS1')).toEqual({ status: 503, body: 'approvers-unreadable' });
  expect(refusals().at(-1)).toMatchObject({ reason: 'approvers-unreadable', user: 'U0OPS1' });
  await acct.bus.idle({ timeoutMs: 60_000 });
  expect(executionsFor(acct, sg)).toHaveLength(0);

  acct.parameters.put({
    name: botTokenParam,
    value: acct.slackBotToken!,
    type: 'SecureString',
    overwrite: true,
  });
  acct.lambda.updateEnvironment(fnName, {});
  expect(await click(id, 'U0OPS1')).toEqual({ status: 200, body: 'approved' });
  await acct.bus.idle({ timeoutMs: 60_000 });
  expect(executionsFor(acct, sg)).toHaveLength(1);

  expect(acct.logs.text()).not.toContain(acct.slackBotToken!);
  // The role reads its bot token and nothing else of Parameter Store was denied to it.
  const role = acct.iam.principal(acct.fn('approvalCallback').credentials!.accessKeyId)!.role.name;
  expect(Object.keys(acct.iam.deniedCounts()).filter((k) => k.startsWith(role))).toEqual([]);
}, 180_000);
