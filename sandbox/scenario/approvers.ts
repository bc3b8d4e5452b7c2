/**
 * The rehearsal's Slack users (scenario `approvals`, sandbox/slack-interactions.ts) wired to a sandbox
 * account, and the report's `approvals` section judged from that account's world (./approvals.ts).
 */
import type { SandboxAccount } from '../account.ts';
import { startSlackInteractions, type SlackInteractions } from '../slack-interactions.ts';
import { approvalItems, approverOfTags, judgeApprovals, type ApprovalsReport } from './approvals.ts';
import type { Scenario } from './schema.ts';

const APPROVAL_CALLBACK = 'approvalCallback';

/** Starts the Slack users of a scenario with `approvals` (undefined without, or without the function). */
export function startScenarioApprovers(
  account: SandboxAccount,
  s: Pick<Scenario, 'approvals' | 'seed'>,
): SlackInteractions | undefined {
  const a = s.approvals;
  const fn = account.deployed.functions[APPROVAL_CALLBACK];
  if (!a || !fn) return undefined;
  if (!account.slackSigningSecret) throw new Error('the sandbox seeded no Slack signing secret');
  if (a.groups) account.slack.setGroups(a.groups);
  return startSlackInteractions(
    {
      approve: a.approve,
      reject: a.reject,
      after: a.after,
      forged: a.forged,
      replayed: a.replayed,
      seed: s.seed,
    },
    {
      clock: account.clock,
      slack: account.slack,
      lambda: account.lambda,
      functionName: fn.name,
      signingSecret: account.slackSigningSecret,
      approvers: clickingUsers(fn.environment['APPROVERS'] ?? '', a.groups ?? {}),
      endpoint: () => account.url,
    },
  );
}

/**
 * Who clicks, in turn: the stage's approvers in their order, a group standing for its members (as
 * the scenario's Slack knows them), each user once. A group's member is an approver only through
 * the callback reading the group from Slack's Web API.
 */
export function clickingUsers(approvers: string, groups: Record<string, readonly string[]>): string[] {
  const tokens = approvers
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);
  const users = tokens.flatMap((t) => (t.startsWith('S') ? (groups[t] ?? []) : [t]));
  return [...new Set(users)];
}

/** The `approvals` section: the ledger's APPROVAL# items, SSM's executions with their approver tags, the callbacks. */
export function approvalsOf(
  account: SandboxAccount,
  ledger: Record<string, unknown>[],
  users: SlackInteractions | undefined,
): ApprovalsReport | undefined {
  const requests = approvalItems(ledger);
  if (requests.length === 0 && !users) return undefined;
  const tag = (tags: { Key: string; Value: string }[], k: string) => tags.find((t) => t.Key === k)?.Value;
  const executions = account.ssm
    .listAutomationExecutions()
    .filter((x) => tag(x.tags, 'ssm-remediator:remediation'))
    .map((x) => {
      const by = approverOfTags(x.tags);
      return {
        id: x.AutomationExecutionId,
        remediation: tag(x.tags, 'ssm-remediator:remediation') ?? '',
        resource: tag(x.tags, 'ssm-remediator:resource') ?? '',
        startedAt: (x.ExecutionStartTime ?? x.createdTime).getTime(),
        ...(by ? { approvedBy: by } : {}),
      };
    });
  return judgeApprovals({
    requests,
    executions,
    callbacks: users?.callbacks() ?? [],
    choices: users?.choices() ?? [],
  });
}
