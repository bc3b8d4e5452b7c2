/**
 * Approvers that are Slack user groups (docs/approvals.md "Slack app set-up"): the allow-list parses
 * user and group ids and names a bad token; the membership check; the callback reads a group's members
 * only for a user the list does not name, and fails closed (503, nothing decided) when it cannot; the
 * Web API adapter (bearer token, ok:false, HTTP errors, timeout, a 60 s cache, never the token in an error).
 */
import { describe, expect, test } from 'vitest';
import { approvalCallbackBody } from '../../src/core/approval-payload.ts';
import {
  approvalId,
  approverTokens,
  checkDecision,
  isApprover,
  parseApprovers,
} from '../../src/core/approval.ts';
import type { ApprovalRecord } from '../../src/ports/approvals.ts';
import { handleApprovalCallback, type CallbackDeps } from '../../src/core/approval-callback.ts';
import { slackSignature } from '../../src/core/slack-signature.ts';
import { fetchGet, slackGroupMembers, type HttpGet } from '../../src/adapters/slack-usergroups.ts';
import { settingProblems } from '../../src/settings.ts';
import type { ApprovalsPort } from '../../src/ports/approvals.ts';

const SECRET = '0123456789abcdef0123456789abcdef';
const TOKEN = 'xoxb-test-token-never-logged';
const NOW = new Date('2026-01-05T10:00:00Z');
const TS = String(NOW.getTime() / 1000);
const ID = approvalId('agent-reboot', 'i-1', '2026-01-05T09:55:00Z');
const pending: ApprovalRecord = {
  id: ID,
  state: 'pending',
  remediationId: 'agent-reboot',
  resourceId: 'i-1',
  resourceType: 'AWS::EC2::Instance',
  family: 'agent.disconnected',
  findingTime: '2026-01-05T09:55:00Z',
  eventId: 'e-1',
  account: '123456789012',
  region: 'us-east-1',
  actions: [],
  reason: 'would reboot',
  requestedAt: '2026-01-05T09:55:00Z',
  expiresAt: '2026-01-05T10:55:00Z',
};

describe('the approvers allow-list', () => {
  test('user ids and user-group ids, mixed; a bad token is named, not dropped', () => {
    expect(parseApprovers('U1AB, S0OPS W2CD')).toEqual(['U1AB', 'S0OPS', 'W2CD']);
    expect(parseApprovers('')).toEqual([]);
    expect(approverTokens('U1AB,@ops,s0lower')).toEqual({ ids: ['U1AB'], unknown: ['@ops', 's0lower'] });
    expect(() => parseApprovers('U1AB,@ops')).toThrow(
      '"@ops" is not a Slack user id (U…/W…) or user-group id (S…)',
    );
  });
  test('the setting accepts groups and names the bad token at package time', () => {
    expect(settingProblems({ approvers: 'U0A1,S0OPS,W0B2' })).toEqual([]);
    const problems = settingProblems({ approvers: 'U0A1,ops-team' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('"ops-team" is not a Slack user id');
    expect(settingProblems({ slackApiUrl: 'ftp://slack.com' })[0]).toMatch(/^slackApiUrl: /);
  });
  test('membership: named, or in a group as read; a group id itself never approves', () => {
    const members = new Map([['S0OPS', ['U0MEMBER']]]);
    expect(isApprover('U0A1', ['U0A1', 'S0OPS'], members)).toBe(true);
    expect(isApprover('U0MEMBER', ['U0A1', 'S0OPS'], members)).toBe(true);
    expect(isApprover('U0MEMBER', ['U0A1'], members)).toBe(false);
    expect(isApprover('U0OTHER', ['U0A1', 'S0OPS'], members)).toBe(false);
    expect(isApprover('U0MEMBER', ['U0A1', 'S0OPS'], new Map())).toBe(false);
    expect(isApprover('S0OPS', ['S0OPS'], members)).toBe(false);
    expect(checkDecision(pending, { slackUser: 'U0MEMBER' }, ['S0OPS'], NOW, members)).toEqual({ ok: true });
    expect(checkDecision(pending, { slackUser: 'U0OTHER' }, ['S0OPS'], NOW, members)).toMatchObject({
      status: 403,
      reason: 'not-an-approver',
    });
  });
});

function memoryApprovals(): ApprovalsPort & { all: Map<string, ApprovalRecord> } {
  const all = new Map([[ID, { ...pending }]]);
  return {
    all,
    request: async (a) => a,
    get: async (id) => all.get(id),
    async decide(id, state, by, at) {
      const a = all.get(id);
      if (!a || a.state !== 'pending') return false;
      all.set(id, { ...a, state, ...(by ? { decidedBy: by } : {}), decidedAt: at.toISOString() });
      return true;
    },
    listPending: async () => [...all.values()].filter((a) => a.state === 'pending'),
  };
}

describe('the callback with a user group', () => {
  const setup = (groupMembers: CallbackDeps['groupMembers'] | undefined) => {
    const approvals = memoryApprovals();
    const warnings: Record<string, unknown>[] = [];
    const reads: string[] = [];
    const deps: CallbackDeps = {
      signingSecret: async () => SECRET,
      approvers: ['U0NAMED', 'S0OPS'],
      ...(groupMembers
        ? {
            groupMembers: async (g: string) => {
              reads.push(g);
              return groupMembers(g);
            },
          }
        : {}),
      approvals,
      signal: async () => undefined,
      log: {
        info: () => undefined,
        warn: (_m: string, f?: Record<string, unknown>) => void warnings.push(f ?? {}),
        error: () => undefined,
        debug: () => undefined,
      } as unknown as CallbackDeps['log'],
      now: () => NOW,
    };
    return { approvals, warnings, reads, deps };
  };
  const call = (userId: string, deps: CallbackDeps) => {
    const body = approvalCallbackBody({ decision: 'approved', approvalId: ID, userId });
    const headers = {
      'x-slack-request-timestamp': TS,
      'x-slack-signature': slackSignature(SECRET, TS, body),
    };
    return handleApprovalCallback({ headers, body }, deps);
  };

  test('a member of the group approves; a named user needs no read', async () => {
    const s = setup(async () => ['U0MEMBER']);
    const named = setup(async () => ['U0MEMBER']);
    expect((await call('U0NAMED', named.deps)).statusCode).toBe(200);
    expect(named.reads).toEqual([]);
    const r = await call('U0MEMBER', s.deps);
    expect(r).toMatchObject({ statusCode: 200, body: 'approved' });
    expect(s.reads).toEqual(['S0OPS']);
    expect(s.approvals.all.get(ID)).toMatchObject({ state: 'approved', decidedBy: 'slack:U0MEMBER' });
  });

  test('someone in none of the groups is refused 403', async () => {
    const s = setup(async () => ['U0MEMBER']);
    const r = await call('U0STRANGER', s.deps);
    expect(r).toMatchObject({ statusCode: 403, body: 'not-an-approver' });
    expect(s.approvals.all.get(ID)!.state).toBe('pending');
  });

  test.each([
    ['Slack down', async () => Promise.reject(new Error('usergroups.users.list S0OPS: HTTP 503'))],
    [
      'ok:false',
      async () => Promise.reject(new Error('usergroups.users.list S0OPS: ok:false (invalid_auth)')),
    ],
    ['no reader (no token wired)', undefined],
  ])('%s: 503 approvers-unreadable, nothing decided, a later click succeeds', async (_name, read) => {
    let failing = true;
    const s = setup(async (g) => {
      if (failing) return read ? read() : Promise.reject(new Error('x'));
      return g === 'S0OPS' ? ['U0MEMBER'] : [];
    });
    if (!read) delete s.deps.groupMembers;
    const first = await call('U0MEMBER', s.deps);
    expect(first).toMatchObject({ statusCode: 503, body: 'approvers-unreadable' });
    expect(s.approvals.all.get(ID)!.state).toBe('pending');
    expect(s.warnings.at(-1)).toMatchObject({
      reason: 'approvers-unreadable',
      group: 'S0OPS',
      user: 'U0MEMBER',
    });
    failing = false;
    if (!read) s.deps.groupMembers = async () => ['U0MEMBER'];
    const retry = await call('U0MEMBER', s.deps);
    expect(retry).toMatchObject({ statusCode: 200, body: 'approved' });
    expect(s.approvals.all.get(ID)).toMatchObject({ state: 'approved', decidedBy: 'slack:U0MEMBER' });
  });
});

describe('the Web API adapter (usergroups.users.list)', () => {
  const fake = (answer: (url: URL, auth: string) => Response | Promise<Response>) => {
    const seen: { url: URL; auth: string }[] = [];
    const get: HttpGet = async (url, init) => {
      const auth = init.headers['authorization'] ?? '';
      seen.push({ url, auth });
      return answer(url, auth);
    };
    return { seen, get };
  };
  const json = (o: unknown, status = 200) =>
    new Response(JSON.stringify(o), { status, headers: { 'content-type': 'application/json' } });

  test('asks with the bearer token, and caches a group for 60 s', async () => {
    let now = NOW.getTime();
    const f = fake(() => json({ ok: true, users: ['U0MEMBER'] }));
    const members = slackGroupMembers({
      apiUrl: 'https://slack.com/api/',
      token: async () => TOKEN,
      now: () => new Date(now),
      get: f.get,
    });
    expect(await members('S0OPS')).toEqual(['U0MEMBER']);
    expect(f.seen[0]!.url.toString()).toBe('https://slack.com/api/usergroups.users.list?usergroup=S0OPS');
    expect(f.seen[0]!.auth).toBe(`Bearer ${TOKEN}`);
    now += 59_000;
    await members('S0OPS');
    expect(f.seen).toHaveLength(1);
    now += 2_000;
    await members('S0OPS');
    expect(f.seen).toHaveLength(2);
  });

  test('no token, ok:false, HTTP errors, bad bodies and a timeout throw, never with the token', async () => {
    const cases: [() => Promise<string | undefined>, Parameters<typeof fake>[0], RegExp][] = [
      [async () => '', () => json({ ok: true, users: [] }), /no Slack bot token/],
      [async () => TOKEN, () => json({ ok: false, error: 'missing_scope' }), /ok:false \(missing_scope\)/],
      [async () => TOKEN, () => json({ ok: false }, 503), /HTTP 503/],
      [async () => TOKEN, () => new Response('<html>', { status: 200 }), /not JSON/],
      [async () => TOKEN, () => json({ ok: true, users: [1] }), /no users list/],
      [
        async () => TOKEN,
        () => Promise.reject(Object.assign(new Error(`boom ${TOKEN}`), { name: 'TypeError' })),
        /unreachable \(TypeError\)/,
      ],
    ];
    for (const [token, answer, message] of cases) {
      const f = fake(answer);
      const members = slackGroupMembers({
        apiUrl: 'https://slack.com/api',
        token,
        now: () => NOW,
        get: f.get,
      });
      const e = await members('S0OPS').then(
        () => undefined,
        (x: unknown) => x as Error,
      );
      expect(e?.message).toMatch(message);
      expect(e?.message).not.toContain(TOKEN);
    }
    // A hung Slack: the adapter gives up on its own.
    const hung = slackGroupMembers({
      apiUrl: 'https://slack.com/api',
      token: async () => TOKEN,
      now: () => NOW,
      timeoutMs: 50,
      get: (_u, init) =>
        new Promise((_r, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason))),
    });
    await expect(hung('S0OPS')).rejects.toThrow(/timed out/);
  });

  test('a failure is not cached: the next read asks again', async () => {
    let up = false;
    const f = fake(() => (up ? json({ ok: true, users: ['U0MEMBER'] }) : json({}, 500)));
    const members = slackGroupMembers({
      apiUrl: 'https://slack.com/api',
      token: async () => TOKEN,
      now: () => NOW,
      get: f.get,
    });
    await expect(members('S0OPS')).rejects.toThrow(/HTTP 500/);
    up = true;
    expect(await members('S0OPS')).toEqual(['U0MEMBER']);
  });
});

describe('the global fetch against a local server', () => {
  test('reads the status and body, sends the headers, and gives up at the timeout', async () => {
    const { createServer } = await import('node:http');
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers['authorization']);
      if (req.url?.includes('hang')) return; // never answers
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"users":["U1"]}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const members = slackGroupMembers({
        apiUrl: `http://127.0.0.1:${port}/api`,
        token: async () => TOKEN,
        now: () => NOW,
        timeoutMs: 200,
      });
      expect(await members('S0OPS')).toEqual(['U1']);
      expect(seen).toEqual([`Bearer ${TOKEN}`]);
      const hang = fetchGet(new URL(`http://127.0.0.1:${port}/hang`), {
        headers: {},
        signal: AbortSignal.timeout(100),
      });
      await expect(hang).rejects.toMatchObject({ name: 'TimeoutError' });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
