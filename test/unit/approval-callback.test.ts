/** Slack's signature, the callback payload, the approval gate and the callback's decision (docs/approvals.md). */
import { describe, expect, test } from 'vitest';
import {
  approvalCallbackBody,
  parseApprovalCallback,
  PayloadError,
} from '../../src/core/approval-payload.ts';
import {
  approvalGate,
  approvalId,
  approvalTimeoutMs,
  checkDecision,
  parseApprovers,
} from '../../src/core/approval.ts';
import { durationMs } from '../../src/model/duration.ts';
import type { ApprovalRecord } from '../../src/ports/approvals.ts';
import { handleApprovalCallback, type CallbackDeps } from '../../src/core/approval-callback.ts';
import { slackSignature, verifySlackSignature } from '../../src/core/slack-signature.ts';
import type { ApprovalsPort } from '../../src/ports/approvals.ts';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW = new Date('2026-01-05T10:00:00Z');
const TS = String(NOW.getTime() / 1000);
const ID = approvalId('restricted-ssh', 'sg-1', '2026-01-05T09:55:00Z');

const signed = (body: string, ts = TS, secret = SECRET) => ({
  'x-slack-request-timestamp': ts,
  'x-slack-signature': slackSignature(secret, ts, body),
});

describe('Slack signature', () => {
  const body = approvalCallbackBody({ decision: 'approved', approvalId: ID, userId: 'U123' });
  test('a valid signature passes, whatever the header case', () => {
    expect(verifySlackSignature({ secret: SECRET, headers: signed(body), body, now: NOW })).toEqual({
      ok: true,
    });
    const h = signed(body);
    const upper = {
      'X-Slack-Request-Timestamp': h['x-slack-request-timestamp'],
      'X-Slack-Signature': h['x-slack-signature'],
    };
    expect(verifySlackSignature({ secret: SECRET, headers: upper, body, now: NOW }).ok).toBe(true);
  });
  test('Slack’s documented example verifies', () => {
    // https://api.slack.com/authentication/verifying-requests-from-slack (the worked example).
    const exBody =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(slackSignature(SECRET, '1531420618', exBody)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });
  test('a wrong secret, a changed body, a stale timestamp and missing headers are refused', () => {
    expect(verifySlackSignature({ secret: 'other', headers: signed(body), body, now: NOW })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(
      verifySlackSignature({ secret: SECRET, headers: signed(body), body: body + 'x', now: NOW }).ok,
    ).toBe(false);
    const old = String(Number(TS) - 301);
    expect(verifySlackSignature({ secret: SECRET, headers: signed(body, old), body, now: NOW })).toEqual({
      ok: false,
      reason: 'stale-timestamp',
    });
    const future = String(Number(TS) + 301);
    expect(verifySlackSignature({ secret: SECRET, headers: signed(body, future), body, now: NOW }).ok).toBe(
      false,
    );
    expect(verifySlackSignature({ secret: SECRET, headers: {}, body, now: NOW })).toEqual({
      ok: false,
      reason: 'missing-headers',
    });
    expect(
      verifySlackSignature({
        secret: SECRET,
        headers: { ...signed(body), 'x-slack-signature': 'v0=short' },
        body,
        now: NOW,
      }),
    ).toEqual({ ok: false, reason: 'bad-signature' });
  });
});

describe('payload', () => {
  test('a click on Approve or Reject', () => {
    const body = approvalCallbackBody({
      decision: 'rejected',
      approvalId: ID,
      userId: 'U123',
      responseUrl: 'https://hooks.slack.com/actions/1',
    });
    expect(parseApprovalCallback(body)).toEqual({
      decision: 'rejected',
      approvalId: ID,
      userId: 'U123',
      responseUrl: 'https://hooks.slack.com/actions/1',
    });
    expect(parseApprovalCallback(Buffer.from(body).toString('base64'), true).decision).toBe('rejected');
  });
  test('anything else names what is wrong', () => {
    expect(() => parseApprovalCallback('a=b')).toThrow(PayloadError);
    expect(() => parseApprovalCallback('payload=%7B')).toThrow('not JSON');
    const other = new URLSearchParams({ payload: JSON.stringify({ type: 'view_submission' }) }).toString();
    expect(() => parseApprovalCallback(other)).toThrow(/payload\.type/);
    const badId = approvalCallbackBody({ decision: 'approved', approvalId: 'ap-xyz', userId: 'U123' });
    expect(() => parseApprovalCallback(badId)).toThrow(/approval id/);
  });
});

const pending: ApprovalRecord = {
  id: ID,
  state: 'pending',
  remediationId: 'restricted-ssh',
  resourceId: 'sg-1',
  resourceType: 'AWS::EC2::SecurityGroup',
  family: 'config.noncompliant',
  findingTime: '2026-01-05T09:55:00Z',
  eventId: 'e1',
  account: '123456789012',
  region: 'us-east-1',
  actions: [],
  reason: 'would start Automation X',
  requestedAt: '2026-01-05T09:56:00Z',
  expiresAt: '2026-01-05T10:56:00Z',
};

describe('approval decision', () => {
  test('timeouts and ids', () => {
    expect(durationMs('1h')).toBe(3_600_000);
    expect(durationMs('2h30m')).toBe(9_000_000);
    expect(durationMs('soon')).toBeUndefined();
    expect(approvalTimeoutMs({})).toBe(3_600_000);
    expect(approvalTimeoutMs({ approvalTimeout: '10m' })).toBe(600_000);
    expect(ID).toMatch(/^ap-[0-9a-f]{20}$/);
    expect(approvalId('restricted-ssh', 'sg-1', '2026-01-05T09:55:00Z')).toBe(ID);
    expect(approvalId('restricted-ssh', 'sg-2', '2026-01-05T09:55:00Z')).not.toBe(ID);
    expect(parseApprovers('U1AB, W2CD S3EF')).toEqual(['U1AB', 'W2CD', 'S3EF']);
    expect(() => parseApprovers('U1AB, W2CD bad U3EF')).toThrow(/"bad" is not a Slack user id/);
  });
  test('the gate: ask, pending, approved, rejected, timed out', () => {
    expect(approvalGate(undefined, NOW)).toEqual({ kind: 'ask' });
    expect(approvalGate(pending, NOW)).toEqual({ kind: 'pending', expiresAt: pending.expiresAt });
    expect(approvalGate({ ...pending, state: 'approved', decidedBy: 'slack:U1' }, NOW)).toMatchObject({
      kind: 'approved',
      mode: 'auto',
      approvedBy: 'slack:U1',
    });
    expect(approvalGate({ ...pending, state: 'rejected', decidedBy: 'slack:U1' }, NOW)).toMatchObject({
      kind: 'ended',
      code: 'rejected-by',
      reason: expect.stringContaining('slack:U1'),
    });
    expect(approvalGate(pending, new Date('2026-01-05T11:00:00Z'))).toMatchObject({
      code: 'approval-timeout',
    });
  });
  test('who may decide, and when', () => {
    expect(checkDecision(pending, { slackUser: 'U9' }, ['U1'], NOW)).toMatchObject({ status: 403 });
    expect(checkDecision(undefined, { slackUser: 'U1' }, ['U1'], NOW)).toMatchObject({ status: 404 });
    expect(checkDecision({ ...pending, state: 'approved' }, { slackUser: 'U1' }, ['U1'], NOW)).toMatchObject({
      status: 409,
      reason: 'already-decided',
    });
    expect(
      checkDecision(pending, { slackUser: 'U1' }, ['U1'], new Date('2026-01-05T11:00:00Z')),
    ).toMatchObject({
      reason: 'expired',
    });
    expect(checkDecision(pending, { principal: 'arn:aws:iam::1:role/x' }, [], NOW)).toEqual({ ok: true });
  });
});

/** An in-memory approvals store with the adapter's conditional decide. */
function memoryApprovals(...records: ApprovalRecord[]): ApprovalsPort & { all: Map<string, ApprovalRecord> } {
  const all = new Map(records.map((r) => [r.id, { ...r }]));
  return {
    all,
    async request(a) {
      if (!all.has(a.id)) all.set(a.id, a);
      return all.get(a.id)!;
    },
    async get(id) {
      return all.get(id);
    },
    async decide(id, state, by, at) {
      const a = all.get(id);
      if (!a || a.state !== 'pending') return false;
      all.set(id, { ...a, state, ...(by ? { decidedBy: by } : {}), decidedAt: at.toISOString() });
      return true;
    },
    async listPending() {
      return [...all.values()].filter((a) => a.state === 'pending');
    },
  };
}

describe('the callback', () => {
  const setup = () => {
    const approvals = memoryApprovals(pending);
    const signals: string[] = [];
    const responses: string[] = [];
    const warnings: Record<string, unknown>[] = [];
    const deps: CallbackDeps = {
      signingSecret: async () => SECRET,
      approvers: ['U123'],
      approvals,
      signal: async (id) => void signals.push(id),
      respond: async (_url, text) => void responses.push(text),
      log: {
        info: () => undefined,
        warn: (_m: string, f?: Record<string, unknown>) => void warnings.push(f ?? {}),
        error: () => undefined,
        debug: () => undefined,
      } as unknown as CallbackDeps['log'],
      now: () => NOW,
    };
    return { approvals, signals, responses, warnings, deps };
  };
  const click = (userId = 'U123', decision: 'approved' | 'rejected' = 'approved') =>
    approvalCallbackBody({
      decision,
      approvalId: ID,
      userId,
      responseUrl: 'https://hooks.slack.com/actions/1',
    });

  test('an approver’s click is applied once; the replay is refused', async () => {
    const s = setup();
    const body = click();
    const first = await handleApprovalCallback({ headers: signed(body), body }, s.deps);
    expect(first.statusCode).toBe(200);
    expect(s.approvals.all.get(ID)).toMatchObject({ state: 'approved', decidedBy: 'slack:U123' });
    expect(s.signals).toEqual([ID]);
    expect(s.responses[0]).toContain('Approved by <@U123>');
    const replay = await handleApprovalCallback({ headers: signed(body), body }, s.deps);
    expect(replay.statusCode).toBe(409);
    expect(s.signals).toEqual([ID]);
    expect(s.warnings.at(-1)).toMatchObject({ reason: 'already-decided' });
  });
  test('forged, stale, unsigned and non-approver requests change nothing, and the log never has the secret', async () => {
    const s = setup();
    const body = click();
    const forged = await handleApprovalCallback({ headers: signed(body, TS, 'guess'), body }, s.deps);
    const stale = await handleApprovalCallback(
      { headers: signed(body, String(Number(TS) - 600)), body },
      s.deps,
    );
    const unsigned = await handleApprovalCallback({ headers: {}, body }, s.deps);
    const stranger = click('U999');
    const other = await handleApprovalCallback({ headers: signed(stranger), body: stranger }, s.deps);
    expect([forged.statusCode, stale.statusCode, unsigned.statusCode, other.statusCode]).toEqual([
      401, 401, 401, 403,
    ]);
    expect(s.approvals.all.get(ID)!.state).toBe('pending');
    expect(s.signals).toEqual([]);
    const logged = JSON.stringify(s.warnings);
    expect(logged).not.toContain(SECRET);
    expect(logged).not.toContain('v0=');
    expect(s.warnings.map((w) => w['reason'])).toEqual([
      'bad-signature',
      'stale-timestamp',
      'missing-headers',
      'not-an-approver',
    ]);
  });
  test('a rejection is recorded with who rejected', async () => {
    const s = setup();
    const body = click('U123', 'rejected');
    expect((await handleApprovalCallback({ headers: signed(body), body }, s.deps)).statusCode).toBe(200);
    expect(s.approvals.all.get(ID)).toMatchObject({ state: 'rejected', decidedBy: 'slack:U123' });
    expect(s.responses[0]).toContain('Rejected by <@U123>');
  });
});
