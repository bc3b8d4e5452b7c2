/**
 * The sandbox's Slack users (docs/approvals.md): when an approval request (a Block Kit message with
 * Approve / Reject buttons, value = the approval id) reaches the sandbox's Slack, someone clicks, or
 * nobody does. A click is Slack's interactive callback, as Slack sends it: `application/x-www-form-
 * urlencoded` `payload=<json>`, signed (`X-Slack-Signature: v0=HMAC-SHA256(secret, "v0:"+ts+":"+body)`,
 * `X-Slack-Request-Timestamp` from the simulated clock), delivered to the approval-callback function
 * the way its Function URL would (a version 2.0 Function URL event, body base64-encoded, invoked
 * through the sandbox's Lambda runtime).
 *
 * Which requests are approved, rejected or left to time out is drawn from the seed: the i-th request
 * takes u_i = frac(u0 + i·φ⁻¹) (u0 from the seed; a low-discrepancy sequence, so even a few requests
 * split close to the fractions) and is approved when u_i < approve, rejected when u_i < approve +
 * reject. Forged callbacks (bad signature, unsigned, stale timestamp, a user not on the allow-list)
 * and replays of genuine signed callbacks are sent too; the function must refuse them (4xx). Every
 * callback and the function's answer is recorded (`callbacks()`), for the rehearsal report.
 */
import { createHmac } from 'node:crypto';
import type { SimClock } from './clock.ts';
import type { LambdaRuntime } from './lambda.ts';
import { createIds, createRng } from './rng.ts';
import type { SlackMessage, SlackReceiver } from './services/slack.ts';

export const FORGED_KINDS = ['bad-signature', 'unsigned', 'stale-timestamp', 'not-an-approver'] as const;
export type ForgedKind = (typeof FORGED_KINDS)[number];
export type Choice = 'approve' | 'reject' | 'timeout';

export interface SlackInteractionOptions {
  /** Fractions of approval requests approved and rejected (the rest time out). */
  approve: number;
  reject: number;
  /** Simulated delay from the request reaching Slack to the click (ms). */
  after: number;
  /** Forged callbacks to send in all (each request gets up to one of each kind, in order). */
  forged?: number;
  /** Replays of genuine signed callbacks (alternately 1 min later, still fresh, and 10 min later, stale). */
  replayed?: number;
  seed: number;
}

export interface SlackInteractionDeps {
  clock: SimClock;
  slack: SlackReceiver;
  lambda: LambdaRuntime;
  /** The approval-callback function (name or short name). */
  functionName: string;
  signingSecret: string;
  /** The stage's approvers (Slack user ids); genuine clicks come from them in turn. */
  approvers: readonly string[];
  /** The sandbox's base URL (its Slack receiver takes the response_url updates). */
  endpoint: () => string;
}

export interface CallbackRecord {
  kind: 'genuine' | 'replay' | `forged:${ForgedKind}`;
  approvalId: string;
  decision: 'approved' | 'rejected';
  user: string;
  /** Sim ms epoch when it was sent. */
  at: number;
  /** The function's HTTP answer (0 when the invocation itself failed). */
  status: number;
  /** The answer's body: `approved`, `rejected`, or the refusal's reason. */
  answer: string;
}

export interface SlackInteractions {
  /** What the sandbox's Slack users decided to do with each request, in arrival order. */
  choices(): { approvalId: string; choice: Choice; user?: string }[];
  callbacks(): CallbackRecord[];
  /** Callbacks scheduled or sent and not yet answered (the runner's drain waits for them). */
  inFlight(): number;
  stop(): void;
}

/** The approval id of a message's Approve / Reject buttons, if it is an approval request. */
export function approvalIdOfMessage(m: Pick<SlackMessage, 'payload'>): string | undefined {
  const blocks = m.payload['blocks'];
  if (!Array.isArray(blocks)) return undefined;
  for (const b of blocks as Record<string, unknown>[]) {
    if (b?.['type'] !== 'actions' || !Array.isArray(b['elements'])) continue;
    for (const e of b['elements'] as Record<string, unknown>[])
      if (e?.['action_id'] === 'approval-approve' && typeof e['value'] === 'string') return e['value'];
  }
  return undefined;
}

/** Slack's `v0=` request signature. */
export function signSlack(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`, 'utf8').digest('hex')}`;
}

/** A block_actions callback body for one button click, as Slack sends it. */
export function clickBody(input: {
  approvalId: string;
  decision: 'approved' | 'rejected';
  user: string;
  responseUrl: string;
  triggerId: string;
}): string {
  const payload = {
    type: 'block_actions',
    user: { id: input.user, username: input.user.toLowerCase(), team_id: 'T0SANDBOX' },
    api_app_id: 'A0SANDBOX',
    team: { id: 'T0SANDBOX', domain: 'sandbox' },
    container: { type: 'message', is_ephemeral: false },
    trigger_id: input.triggerId,
    response_url: input.responseUrl,
    actions: [
      {
        type: 'button',
        block_id: `approval:${input.approvalId}`,
        action_id: input.decision === 'approved' ? 'approval-approve' : 'approval-reject',
        value: input.approvalId,
        text: { type: 'plain_text', text: input.decision === 'approved' ? 'Approve' : 'Reject' },
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A Lambda Function URL event (payload version 2.0) for a POST with these headers and body. */
export function functionUrlEvent(
  headers: Record<string, string>,
  body: string,
  now: Date,
  requestId: string,
): Record<string, unknown> {
  const domain = 'sandbox-approval-callback.lambda-url.us-east-1.on.aws';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: {
      host: domain,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'content-type': 'application/x-www-form-urlencoded',
      ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'sandbox-approval-callback',
      domainName: domain,
      domainPrefix: 'sandbox-approval-callback',
      http: {
        method: 'POST',
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: '3.3.3.3',
        userAgent: 'Slackbot 1.0 (+https://api.slack.com/robots)',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    // Function URLs hand a form body over base64-encoded.
    body: Buffer.from(body, 'utf8').toString('base64'),
    isBase64Encoded: true,
  };
}

const GOLDEN = 0.6180339887498949;
const INTRUDER = 'U0INTRUDER';

export function startSlackInteractions(
  opts: SlackInteractionOptions,
  deps: SlackInteractionDeps,
): SlackInteractions {
  const u0 = createRng(opts.seed + 401)();
  const ids = createIds(opts.seed + 402);
  const seen = new Map<string, { choice: Choice; user?: string }>();
  const order: string[] = [];
  const records: CallbackRecord[] = [];
  const cancels = new Set<() => void>();
  let forgedLeft = opts.forged ?? 0;
  let replaysLeft = opts.replayed ?? 0;
  let replaysSent = 0;
  let inFlight = 0;
  let stopped = false;

  const later = (ms: number, fn: () => void): void => {
    const cancel = deps.clock.after(ms, () => {
      cancels.delete(cancel);
      if (!stopped) fn();
    });
    cancels.add(cancel);
  };

  /** Invokes the function now (synchronously up to the invocation, so the clock waits for it). */
  const send = (
    kind: CallbackRecord['kind'],
    r: { approvalId: string; decision: 'approved' | 'rejected'; user: string },
    headers: Record<string, string>,
    body: string,
  ): Promise<CallbackRecord> => {
    const now = deps.clock.now();
    const rec: CallbackRecord = { kind, ...r, at: now.getTime(), status: 0, answer: '' };
    records.push(rec);
    inFlight += 1;
    return deps.lambda
      .invoke(deps.functionName, functionUrlEvent(headers, body, now, ids()), { trigger: 'function-url' })
      .then((inv) => {
        const p = (inv.payload ?? {}) as { statusCode?: unknown; body?: unknown };
        rec.status = typeof p.statusCode === 'number' ? p.statusCode : 0;
        rec.answer = inv.ok ? String(p.body ?? '') : `invocation failed: ${inv.error?.errorMessage ?? '?'}`;
        return rec;
      })
      .finally(() => {
        inFlight -= 1;
      });
  };

  const signedAt = (secret: string, ts: number, body: string): Record<string, string> => {
    const t = String(Math.floor(ts / 1000));
    return { 'X-Slack-Request-Timestamp': t, 'X-Slack-Signature': signSlack(secret, t, body) };
  };

  const responseUrl = (approvalId: string): string =>
    `${deps.endpoint()}/slack/actions/T0SANDBOX/${approvalId}/${ids().slice(0, 8)}`;

  const click = (approvalId: string, decision: 'approved' | 'rejected', user: string): void => {
    const body = clickBody({
      approvalId,
      decision,
      user,
      responseUrl: responseUrl(approvalId),
      triggerId: ids(),
    });
    const headers = signedAt(deps.signingSecret, deps.clock.now().getTime(), body);
    void send('genuine', { approvalId, decision, user }, headers, body).then((rec) => {
      if (rec.status !== 200 || replaysLeft <= 0) return;
      replaysLeft -= 1;
      // Alternately within the five minutes (the signature still verifies: refused as decided once)
      // and after them (refused as stale).
      const delay = replaysSent++ % 2 === 0 ? 60_000 : 600_000;
      later(delay, () => void send('replay', { approvalId, decision, user }, headers, body));
    });
  };

  const forge = (kind: ForgedKind, approvalId: string, decision: 'approved' | 'rejected'): void => {
    const now = deps.clock.now().getTime();
    const user = kind === 'not-an-approver' ? INTRUDER : (deps.approvers[0] ?? INTRUDER);
    const body = clickBody({
      approvalId,
      decision,
      user,
      responseUrl: responseUrl(approvalId),
      triggerId: ids(),
    });
    const headers =
      kind === 'unsigned'
        ? {}
        : kind === 'bad-signature'
          ? signedAt(`${deps.signingSecret}-not`, now, body)
          : kind === 'stale-timestamp'
            ? signedAt(deps.signingSecret, now - 600_000, body)
            : signedAt(deps.signingSecret, now, body);
    void send(`forged:${kind}`, { approvalId, decision, user }, headers, body);
  };

  const onMessage = (m: SlackMessage): void => {
    const approvalId = approvalIdOfMessage(m);
    if (!approvalId || seen.has(approvalId) || stopped) return;
    const i = order.length;
    const u = (u0 + i * GOLDEN) % 1;
    const choice: Choice =
      u < opts.approve ? 'approve' : u < opts.approve + opts.reject ? 'reject' : 'timeout';
    const user = choice === 'timeout' ? undefined : deps.approvers[i % Math.max(1, deps.approvers.length)];
    seen.set(approvalId, { choice, ...(user ? { user } : {}) });
    order.push(approvalId);
    // Forgers want the opposite of what the approvers will say: a forged Approve on a request that is
    // not approved would start something, a forged Reject on an approved one would stop it.
    const forgedDecision = choice === 'approve' ? 'rejected' : 'approved';
    FORGED_KINDS.forEach((kind, k) => {
      if (forgedLeft <= 0) return;
      forgedLeft -= 1;
      later(Math.floor(opts.after / 2) + k * 1000, () => forge(kind, approvalId, forgedDecision));
    });
    if (user && choice !== 'timeout')
      later(opts.after, () => click(approvalId, choice === 'approve' ? 'approved' : 'rejected', user));
  };
  const unsubscribe = deps.slack.onMessage(onMessage);

  return {
    choices: () => order.map((id) => ({ approvalId: id, ...seen.get(id)! })),
    callbacks: () => records.map((r) => ({ ...r })),
    inFlight: () => inFlight + cancels.size,
    stop() {
      stopped = true;
      unsubscribe();
      for (const c of cancels) c();
      cancels.clear();
    },
  };
}
