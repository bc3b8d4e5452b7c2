/**
 * The sandbox's Slack as Slack's Web API for user groups (sandbox/services/slack.ts): it checks the
 * bearer token and answers like Slack; the scenario field `approvals.groups`; and who clicks when the
 * stage's approvers name a group (sandbox/scenario/approvers.ts).
 */
import { describe, expect, test } from 'vitest';
import { clickingUsers } from '../../sandbox/scenario/approvers.ts';
import { parseScenario } from '../../sandbox/scenario/schema.ts';
import { createSlackReceiver } from '../../sandbox/services/slack.ts';

const q = (usergroup?: string) => new URLSearchParams(usergroup ? { usergroup } : {});
const answer = (a: { status: number; body: string }) => ({ status: a.status, ...JSON.parse(a.body) });

describe("the sandbox's Slack Web API", () => {
  test('usergroups.users.list: the members, with the right token only; unknown groups and methods like Slack', () => {
    const slack = createSlackReceiver();
    slack.setGroups({ S0OPS: ['U1', 'U2'] });
    expect(answer(slack.api('usergroups.users.list', q('S0OPS'), 'Bearer xoxb-1'))).toEqual({
      status: 200,
      ok: false,
      error: 'invalid_auth',
    });
    slack.setBotToken('xoxb-1');
    expect(answer(slack.api('usergroups.users.list', q('S0OPS'), 'Bearer xoxb-1'))).toEqual({
      status: 200,
      ok: true,
      users: ['U1', 'U2'],
    });
    expect(answer(slack.api('usergroups.users.list', q('S0OPS'), 'Bearer xoxb-2')).error).toBe(
      'invalid_auth',
    );
    expect(answer(slack.api('usergroups.users.list', q('S0OPS'), undefined)).error).toBe('not_authed');
    expect(answer(slack.api('usergroups.users.list', q('S0NONE'), 'Bearer xoxb-1')).error).toBe(
      'no_such_subteam',
    );
    expect(answer(slack.api('chat.postMessage', q(), 'Bearer xoxb-1')).error).toBe('unknown_method');
    expect(slack.apiCalls().map((c) => c.ok)).toEqual([false, true, false, false, false, false]);
  });

  test('a scenario names groups; the groups’ members click in turn, each once', () => {
    const s = parseScenario(
      'name: a\nclock: { duration: 1h }\napprovals: { approve: 1, groups: { S0OPS: [U0OPS1, U0OPS2] } }\n',
      'a.yaml',
      { remediations: [], rules: [] },
    );
    expect(s.approvals?.groups).toEqual({ S0OPS: ['U0OPS1', 'U0OPS2'] });
    expect(() =>
      parseScenario('name: a\nclock: { duration: 1h }\napprovals: { groups: { ops: [U1] } }\n', 'a.yaml', {
        remediations: [],
        rules: [],
      }),
    ).toThrow(/approvals\.groups/);
    expect(clickingUsers('U0SANDBOX1,S0OPS, U0OPS2', { S0OPS: ['U0OPS1', 'U0OPS2'] })).toEqual([
      'U0SANDBOX1',
      'U0OPS1',
      'U0OPS2',
    ]);
    expect(clickingUsers('U0SANDBOX1,S0UNKNOWN', {})).toEqual(['U0SANDBOX1']);
  });
});
