/**
 * A Slack incoming-webhook receiver, mounted by the sandbox server at `POST /slack/...`. It keeps every
 * message and answers like Slack (`200 ok`, or `400 invalid_payload` / `400 no_text`). Like Slack's incoming
 * webhooks it takes about one message per second per webhook: a message sooner than `minIntervalMs`
 * (sim time) after the last one that webhook accepted gets `429 rate_limited` with a `Retry-After` header
 * (seconds), and is counted (`rateLimited()`). Make it "down" with a fault on target 'slack' (status 500,
 * or mode 'reset' / 'hang').
 *
 * It also plays Slack's Web API for user groups, mounted at `GET /slack/api/<method>`:
 * `usergroups.users.list?usergroup=S…` answers the members `setGroups` gave (`{ok:true, users}`), or
 * `{ok:false, error}` like Slack: `not_authed` / `invalid_auth` unless the bearer token is the one
 * `setBotToken` gave, `no_such_subteam` for an unknown group. A fault on target 'slack' faults it too.
 */
import { createClock, type SimClock } from '../clock.ts';
import { isRecord } from './input.ts';

export interface SlackMessage {
  /** Webhook path, e.g. '/slack/T000/B000/XXXX'. */
  path: string;
  payload: Record<string, unknown>;
  /** `payload.text` when it is a string. */
  text?: string;
  receivedAt: Date;
}

export interface SlackAnswer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface SlackReceiver {
  receive(path: string, contentType: string, body: Buffer): SlackAnswer;
  /** Every message accepted (for one webhook path if given), oldest first. */
  messages(path?: string): SlackMessage[];
  /** 429s answered (to one webhook path if given). */
  rateLimited(path?: string): number;
  /** Called with each message as Slack accepts it (the sandbox's Slack users answer approval buttons). */
  onMessage(listener: (m: SlackMessage) => void): () => void;
  clear(): void;
  /** The Web API (`/slack/api/<method>`): method, query string, Authorization header. */
  api(method: string, query: URLSearchParams, authorization: string | undefined): SlackAnswer;
  /** Slack's user groups: id → member user ids (replaces them all). */
  setGroups(groups: Record<string, readonly string[]>): void;
  /** The bot token the Web API accepts ('' = none: every call is `invalid_auth`). */
  setBotToken(token: string): void;
  /** Web API calls answered, oldest first. */
  apiCalls(): { method: string; usergroup?: string; ok: boolean; error?: string }[];
}

export interface SlackOptions {
  clock?: SimClock;
  /** Accept only these webhook paths (others get 404 no_service); default: any /slack/... path. */
  webhooks?: string[];
  /** Least gap between two accepted messages on one webhook (default 1,000 ms; 0 = no limit). */
  minIntervalMs?: number;
}

function parsePayload(contentType: string, body: Buffer): unknown {
  const text = body.toString('utf8');
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const payload = new URLSearchParams(text).get('payload');
    return payload === null ? undefined : JSON.parse(payload);
  }
  return JSON.parse(text);
}

const hasContent = (p: Record<string, unknown>): boolean =>
  (typeof p['text'] === 'string' && p['text'] !== '') ||
  Array.isArray(p['blocks']) ||
  Array.isArray(p['attachments']);

export function createSlackReceiver(opts: SlackOptions = {}): SlackReceiver {
  const clock = opts.clock ?? createClock();
  const received: SlackMessage[] = [];
  const allowed = opts.webhooks ? new Set(opts.webhooks) : undefined;
  const minInterval = opts.minIntervalMs ?? 1_000;
  const lastAccepted = new Map<string, number>();
  const limited = new Map<string, number>();
  const listeners = new Set<(m: SlackMessage) => void>();

  const receive = (path: string, contentType: string, body: Buffer): SlackAnswer => {
    if (allowed && !allowed.has(path)) return { status: 404, body: 'no_service' };
    let payload: unknown;
    try {
      payload = parsePayload(contentType, body);
    } catch {
      return { status: 400, body: 'invalid_payload' };
    }
    if (!isRecord(payload)) return { status: 400, body: 'invalid_payload' };
    if (!hasContent(payload)) return { status: 400, body: 'no_text' };
    const now = clock.now().getTime();
    const last = lastAccepted.get(path);
    if (minInterval > 0 && last !== undefined && now - last < minInterval) {
      limited.set(path, (limited.get(path) ?? 0) + 1);
      const wait = Math.max(1, Math.ceil((last + minInterval - now) / 1000));
      return { status: 429, body: 'rate_limited', headers: { 'retry-after': String(wait) } };
    }
    lastAccepted.set(path, now);
    const message: SlackMessage = { path, payload, receivedAt: clock.now() };
    if (typeof payload['text'] === 'string') message.text = payload['text'];
    received.push(message);
    for (const l of listeners) l(message);
    return { status: 200, body: 'ok' };
  };

  const groups = new Map<string, readonly string[]>();
  let botToken = '';
  const calls: ReturnType<SlackReceiver['apiCalls']> = [];
  const api = (method: string, query: URLSearchParams, authorization: string | undefined): SlackAnswer => {
    const usergroup = query.get('usergroup') ?? undefined;
    const reply = (o: Record<string, unknown>): SlackAnswer => {
      const ok = o['ok'] === true;
      calls.push({
        method,
        ...(usergroup !== undefined ? { usergroup } : {}),
        ok,
        ...(typeof o['error'] === 'string' ? { error: o['error'] } : {}),
      });
      return { status: 200, body: JSON.stringify(o), headers: { 'content-type': 'application/json' } };
    };
    if (method !== 'usergroups.users.list') return reply({ ok: false, error: 'unknown_method' });
    const bearer = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!bearer) return reply({ ok: false, error: 'not_authed' });
    if (!botToken || bearer !== botToken) return reply({ ok: false, error: 'invalid_auth' });
    const members = usergroup === undefined ? undefined : groups.get(usergroup);
    if (!members) return reply({ ok: false, error: 'no_such_subteam' });
    return reply({ ok: true, users: [...members] });
  };

  return {
    receive,
    api,
    setGroups(g) {
      groups.clear();
      for (const [id, users] of Object.entries(g)) groups.set(id, [...users]);
    },
    setBotToken(token) {
      botToken = token;
    },
    apiCalls: () => [...calls],
    messages: (path) => received.filter((m) => path === undefined || m.path === path),
    rateLimited: (path) =>
      path === undefined ? [...limited.values()].reduce((a, b) => a + b, 0) : (limited.get(path) ?? 0),
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    clear: () => {
      received.length = 0;
      limited.clear();
      lastAccepted.clear();
    },
  };
}
