/**
 * The sandbox's Slack side of mode `approve` (sandbox/slack-interactions.ts), in process: approval
 * request messages (the service's own Block Kit, src/adapters/slack-approval.ts) reach the sandbox's
 * Slack receiver; its users click, signed, and the callbacks go to the service's own callback logic
 * (src/core/approval-callback.ts) over an in-memory approvals store. Genuine clicks decide once, forged
 * and replayed ones are refused and change nothing; the choices repeat with the seed. Also the report's
 * judge (sandbox/scenario/approvals.ts), the scenario field, and where the HTML page puts the section.
 */
import { describe, expect, test } from 'vitest';
import { createClock } from '../../sandbox/clock.ts';
import type { LambdaRuntime } from '../../sandbox/lambda.ts';
import { approverOfTags, judgeApprovals } from '../../sandbox/scenario/approvals.ts';
import { renderHtml } from '../../sandbox/scenario/html.ts';
import { buildReport, failureReason, passed } from '../../sandbox/scenario/report.ts';
import { parseScenario } from '../../sandbox/scenario/schema.ts';
import { createSlackReceiver } from '../../sandbox/services/slack.ts';
import {
  approvalIdOfMessage,
  clickBody,
  signSlack,
  startSlackInteractions,
} from '../../sandbox/slack-interactions.ts';
import { slackApprovalMessage } from '../../src/adapters/slack-approval.ts';
import type { ApprovalRecord } from '../../src/ports/approvals.ts';
import { handleApprovalCallback } from '../../src/core/approval-callback.ts';
import { parseApprovalCallback } from '../../src/core/approval-payload.ts';
import { verifySlackSignature } from '../../src/core/slack-signature.ts';
import type { ApprovalsPort } from '../../src/ports/approvals.ts';
import type { LogPort } from '../../src/ports/index.ts';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const APPROVERS = ['U0SANDBOX1', 'U0SANDBOX2'];
const START = new Date('2026-01-05T08:00:00Z');

function memoryApprovals(): ApprovalsPort & { all: Map<string, ApprovalRecord> } {
  const all = new Map<string, ApprovalRecord>();
  return {
    all,
    request: async (a) => all.get(a.id) ?? (all.set(a.id, a), a),
    get: async (id) => all.get(id),
    decide: async (id, state, by, at) => {
      const a = all.get(id);
      if (!a || a.state !== 'pending') return false;
      all.set(id, { ...a, state, decidedAt: at.toISOString(), ...(by ? { decidedBy: by } : {}) });
      return true;
    },
    listPending: async () => [...all.values()].filter((a) => a.state === 'pending'),
  };
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as LogPort;

function request(i: number, now: Date): ApprovalRecord {
  return {
    id: `ap-${String(i).padStart(20, '0')}`,
    state: 'pending',
    remediationId: 'restricted-ssh',
    resourceId: `sg-${String(i).padStart(17, '0')}`,
    resourceType: 'AWS::EC2::SecurityGroup',
    family: 'config.noncompliant',
    findingTime: now.toISOString(),
    eventId: `evt-${i}`,
    account: '123456789012',
    region: 'us-east-1',
    actions: [],
    reason: 'would start AWS-DisablePublicAccessForSecurityGroup',
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
  };
}

/** A day: `n` requests posted one a minute; the service's callback logic behind a fake Lambda runtime. */
async function day(n: number, opts: { forged?: number; replayed?: number; seed?: number } = {}) {
  const clock = createClock({ virtual: true, start: START });
  const slack = createSlackReceiver({ clock, minIntervalMs: 0 });
  const approvals = memoryApprovals();
  const lambda = {
    invoke: async (_fn: string, event: unknown) => {
      const release = clock.hold();
      try {
        const e = event as { headers: Record<string, string>; body: string; isBase64Encoded: boolean };
        const payload = await handleApprovalCallback(e, {
          signingSecret: async () => SECRET,
          approvers: APPROVERS,
          approvals,
          signal: async () => undefined,
          log: quiet,
          now: () => clock.now(),
        });
        return { ok: true, payload };
      } finally {
        release();
      }
    },
  } as unknown as LambdaRuntime;
  const users = startSlackInteractions(
    { approve: 0.6, reject: 0.2, after: 600_000, seed: opts.seed ?? 16, ...opts },
    {
      clock,
      slack,
      lambda,
      functionName: 'approvalCallback',
      signingSecret: SECRET,
      approvers: APPROVERS,
      endpoint: () => 'http://127.0.0.1:4566',
    },
  );
  for (let i = 0; i < n; i++)
    clock.after(i * 60_000, () => {
      const a = request(i, clock.now());
      void approvals.request(a);
      const m = slackApprovalMessage({
        outcome: 'deferred',
        code: 'approval',
        approvalId: a.id,
        remediation: a.remediationId,
        resource: { type: a.resourceType, id: a.resourceId },
        reason: a.reason,
      } as unknown as Parameters<typeof slackApprovalMessage>[0]);
      slack.receive('/slack/T0/B0/x', 'application/json', Buffer.from(JSON.stringify(m)));
    });
  await clock.runUntil(START.getTime() + 4 * 3_600_000);
  await clock.quiet();
  users.stop();
  return { users, approvals, slack };
}

describe('the sandbox plays Slack', () => {
  test('a callback it builds is one the service verifies and parses', () => {
    const body = clickBody({
      approvalId: 'ap-00000000000000000001',
      decision: 'rejected',
      user: 'U0SANDBOX2',
      responseUrl: 'http://127.0.0.1:4566/slack/actions/x',
      triggerId: 't',
    });
    const ts = String(START.getTime() / 1000);
    const headers = { 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlack(SECRET, ts, body) };
    expect(verifySlackSignature({ secret: SECRET, headers, body, now: START })).toEqual({ ok: true });
    expect(parseApprovalCallback(body)).toMatchObject({
      decision: 'rejected',
      approvalId: 'ap-00000000000000000001',
      userId: 'U0SANDBOX2',
    });
    const m = slackApprovalMessage({
      outcome: 'deferred',
      code: 'approval',
      approvalId: 'ap-00000000000000000009',
      resource: { type: 'AWS::EC2::SecurityGroup', id: 'sg-1' },
      reason: 'r',
    } as unknown as Parameters<typeof slackApprovalMessage>[0]);
    expect(approvalIdOfMessage({ payload: m as unknown as Record<string, unknown> })).toBe(
      'ap-00000000000000000009',
    );
    expect(approvalIdOfMessage({ payload: { text: 'started restricted-ssh' } })).toBeUndefined();
  });

  test('genuine clicks decide once; forged and replayed callbacks are refused and change nothing', async () => {
    const { users, approvals } = await day(10, { forged: 8, replayed: 4 });
    const choices = users.choices();
    expect(choices).toHaveLength(10);
    const count = (c: string) => choices.filter((x) => x.choice === c).length;
    // A low-discrepancy draw: ten requests split 6 / 2 / 2 for 0.6 / 0.2.
    expect([count('approve'), count('reject'), count('timeout')]).toEqual([6, 2, 2]);
    for (const c of choices) {
      const a = approvals.all.get(c.approvalId)!;
      expect(a.state).toBe({ approve: 'approved', reject: 'rejected', timeout: 'pending' }[c.choice]);
      if (c.choice !== 'timeout') expect(a.decidedBy).toBe(`slack:${c.user}`);
    }
    const cbs = users.callbacks();
    expect(cbs.filter((c) => c.kind === 'genuine').every((c) => c.status === 200)).toBe(true);
    const bad = cbs.filter((c) => c.kind !== 'genuine');
    expect(bad).toHaveLength(12);
    expect(bad.every((c) => c.status >= 400 && c.status < 500)).toBe(true);
    expect(new Set(bad.map((c) => `${c.kind} ${c.status} ${c.answer}`))).toEqual(
      new Set([
        'forged:bad-signature 401 bad-signature',
        'forged:unsigned 401 missing-headers',
        'forged:stale-timestamp 401 stale-timestamp',
        'forged:not-an-approver 403 not-an-approver',
        'replay 409 already-decided',
        'replay 401 stale-timestamp',
      ]),
    );
    expect(users.inFlight()).toBe(0);
  });

  test('the same seed makes the same choices; another seed may not', async () => {
    const a = (await day(6)).users.choices().map((c) => c.choice);
    const b = (await day(6)).users.choices().map((c) => c.choice);
    expect(a).toEqual(b);
    const others = await Promise.all(
      [1, 2, 3, 4].map(async (seed) => (await day(6, { seed })).users.choices()),
    );
    expect(others.some((o) => o.map((c) => c.choice).join() !== a.join())).toBe(true);
  });
});

describe('the report judges approvals from the world', () => {
  const req = (id: string, state: string, decidedBy?: string) => ({
    id,
    remediationId: 'restricted-ssh',
    resourceId: `sg-${id}`,
    state,
    requestedAt: '2026-01-05T08:10:00.000Z',
    expiresAt: '2026-01-05T09:10:00.000Z',
    ...(decidedBy ? { decidedBy } : {}),
  });
  const at = Date.parse('2026-01-05T08:30:00Z');

  test('counts, and what must be 0', () => {
    const r = judgeApprovals({
      requests: [req('a', 'approved', 'slack:U1'), req('b', 'rejected', 'slack:U2'), req('c', 'expired')],
      executions: [
        { id: 'x1', remediation: 'restricted-ssh', resource: 'sg-a', startedAt: at, approvedBy: 'slack:U1' },
        { id: 'x2', remediation: 'restricted-ssh', resource: 'sg-c', startedAt: at },
      ],
      callbacks: [
        {
          kind: 'genuine',
          approvalId: 'a',
          decision: 'approved',
          user: 'U1',
          at,
          status: 200,
          answer: 'approved',
        },
        {
          kind: 'forged:unsigned',
          approvalId: 'c',
          decision: 'approved',
          user: 'U1',
          at,
          status: 200,
          answer: 'approved',
        },
        {
          kind: 'replay',
          approvalId: 'a',
          decision: 'approved',
          user: 'U1',
          at,
          status: 409,
          answer: 'already-decided',
        },
      ],
      choices: [],
    });
    expect(r).toMatchObject({
      requests: 3,
      approved: 1,
      rejected: 1,
      timedOut: 1,
      started: 1,
      startedOnce: 1,
      startedWithoutApproval: 1,
      forgedAccepted: 1,
      replaysAccepted: 0,
      callbacks: { sent: 3, accepted: 2, refused: 1, refusedBy: { '409 already-decided': 1 } },
    });
    // Such a day fails the verdict, saying why; the HTML page shows the section after convergence.
    const report = buildReport({
      scenario: 'approvals',
      seed: 1,
      wallSeconds: 1,
      sim: { start: '2026-01-05T08:00:00.000Z', end: '2026-01-05T10:00:00.000Z', hours: 2, speed: 1 },
      fates: [],
      lines: [],
      executions: [],
      scenarioExecutions: 0,
      slack: [],
      slackSamples: 0,
      sns: [],
      apiCalls: {},
      convergence: {
        findings: 0,
        fixed: 0,
        excused: 0,
        pending: 0,
        dropped: 0,
        undelivered: 0,
        excusedBy: {},
        items: [],
      },
      approvals: r,
    });
    expect(passed(report)).toBe(false);
    expect(failureReason(report)).toContain('1 forged and 0 replayed Slack callback(s) accepted');
    expect(failureReason(report)).toContain('1 execution(s) without approval');
    const html = renderHtml(report);
    expect(html).toContain('data-path="approvals.forgedAccepted"');
    expect(html.indexOf('data-path="convergence.dropped"')).toBeLessThan(
      html.indexOf('data-path="approvals.requests"'),
    );
  });

  test('the approver from an execution tag, or from the finding tag when SSM had no room', () => {
    expect(approverOfTags([{ Key: 'ssm-remediator:approved-by', Value: 'slack:U1' }])).toBe('slack:U1');
    expect(
      approverOfTags([
        {
          Key: 'ssm-remediator:finding',
          Value: 'config.noncompliant 2026-01-05T08:10:00Z approved-by=slack:U2',
        },
      ]),
    ).toBe('slack:U2');
    expect(approverOfTags([])).toBeUndefined();
  });

  test('the scenario field: fractions that add up, durations, counts', () => {
    const base = 'name: a\nclock: { duration: 1h }\n';
    const s = parseScenario(
      `${base}approvals: { approve: 0.5, reject: 0.25, after: 5m, forged: 4 }\n`,
      'a.yaml',
      {
        remediations: [],
        rules: [],
      },
    );
    expect(s.approvals).toEqual({ approve: 0.5, reject: 0.25, after: 300_000, forged: 4, replayed: 0 });
    expect(() =>
      parseScenario(`${base}approvals: { approve: 0.9, reject: 0.2 }\n`, 'a.yaml', {
        remediations: [],
        rules: [],
      }),
    ).toThrow('a.yaml: approvals.reject: `approve` + `reject` must not be more than 1');
    expect(() =>
      parseScenario(`${base}approvals: { aprove: 0.5 }\n`, 'a.yaml', { remediations: [], rules: [] }),
    ).toThrow('unknown key `aprove` (did you mean `approve`?)');
  });
});
