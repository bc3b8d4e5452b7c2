/** The approval request's Slack message: one per request, with the plan and the two buttons. */
import { expect, test } from 'vitest';
import { snsMessage } from '../../src/adapters/notifier-sns.ts';
import { slackPayload } from '../../src/adapters/slack-digest.ts';
import { approvalId } from '../../src/core/approval.ts';
import { parseOutcomeMessage, planSlackPosts } from '../../src/core/digest.ts';
import type { Outcome } from '../../src/model/types.ts';

const ID = approvalId('restricted-ssh', 'sg-1', '2026-01-05T09:55:00Z');
const request: Outcome = {
  eventId: 'e1',
  remediation: 'restricted-ssh',
  resourceType: 'AWS::EC2::SecurityGroup',
  resourceId: 'sg-1',
  account: '123456789012',
  region: 'us-east-1',
  mode: 'approve',
  outcome: 'deferred',
  code: 'approval',
  approvalId: ID,
  reason: 'waiting for approval: would start Automation AWS-DisableIncomingSSHOnPort22',
  actions: [
    {
      kind: 'startAutomation',
      document: 'AWS-DisableIncomingSSHOnPort22',
      parameters: { SecurityGroupIds: ['sg-1'] },
    },
  ],
  at: '2026-01-05T09:56:00Z',
};

test('an approval request reaches Slack alone, with its plan and Approve / Reject buttons valued by its id', () => {
  const other = { ...request, code: 'shadow' as const, outcome: 'skipped' as const, approvalId: undefined };
  const items = [
    request,
    { ...request, resourceId: 'sg-2', approvalId: `${ID.slice(0, -1)}0` },
    other,
    other,
  ].map((o, i) => ({
    id: `m${i}`,
    message: parseOutcomeMessage(JSON.stringify(snsMessage({ outcome: o, title: 't' }))),
  }));
  const posts = planSlackPosts(items);
  // Two requests alone, the two shadow outcomes as one digest.
  expect(posts.map((p) => p.kind)).toEqual(['single', 'single', 'digest']);
  const payload = slackPayload(posts[0]!) as { text: string; blocks: Array<Record<string, unknown>> };
  const json = JSON.stringify(payload.blocks);
  expect(json).toContain('AWS-DisableIncomingSSHOnPort22');
  expect(json).toContain('SecurityGroupIds');
  const actions = payload.blocks.find((b) => b['type'] === 'actions') as {
    elements: Array<Record<string, unknown>>;
  };
  expect(actions.elements.map((e) => [e['action_id'], e['value']])).toEqual([
    ['approval-approve', ID],
    ['approval-reject', ID],
  ]);
});

test('an approved outcome names the approver in Slack', () => {
  const started: Outcome = {
    ...request,
    outcome: 'started',
    code: undefined,
    approvedBy: 'slack:U0SANDBOX1',
    executionId: 'x-1',
  };
  const m = parseOutcomeMessage(JSON.stringify(snsMessage({ outcome: started, title: 't' })));
  const payload = slackPayload({ kind: 'single', ids: ['a'], message: m });
  expect(JSON.stringify(payload)).toContain('Approved by');
  expect(JSON.stringify(payload)).toContain('slack:U0SANDBOX1');
});
