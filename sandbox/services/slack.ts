/**
 * A Slack incoming-webhook receiver, mounted by the sandbox server at `POST /slack/...`. It keeps every
 * message and answers like Slack (`200 ok`, or `400 invalid_payload` / `400 no_text`). Make it "down" with a
 * fault on target 'slack' (status 500, or mode 'reset' / 'hang').
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
}

export interface SlackReceiver {
  receive(path: string, contentType: string, body: Buffer): SlackAnswer;
  /** Every message accepted (for one webhook path if given), oldest first. */
  messages(path?: string): SlackMessage[];
  clear(): void;
}

export interface SlackOptions {
  clock?: SimClock;
  /** Accept only these webhook paths (others get 404 no_service); default: any /slack/... path. */
  webhooks?: string[];
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
    const message: SlackMessage = { path, payload, receivedAt: clock.now() };
    if (typeof payload['text'] === 'string') message.text = payload['text'];
    received.push(message);
    return { status: 200, body: 'ok' };
  };

  return {
    receive,
    messages: (path) => received.filter((m) => path === undefined || m.path === path),
    clear: () => {
      received.length = 0;
    },
  };
}
