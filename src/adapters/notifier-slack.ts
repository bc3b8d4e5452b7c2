import type { Notification, NotifierPort } from '../ports/index.ts';

const ICON: Record<string, string> = {
  started: ':arrow_forward:',
  succeeded: ':white_check_mark:',
  failed: ':rotating_light:',
  deferred: ':hourglass_flowing_sand:',
  skipped: ':fast_forward:',
  rejected: ':no_entry:',
};

/** Slack mrkdwn needs &, < and > escaped in anything that came from an event or an API. */
export const escapeMrkdwn = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A Block Kit message a person on call can act on: what, where, why, and a link to the execution. */
export function slackMessage(n: Notification): { text: string; blocks: unknown[] } {
  const o = n.outcome;
  const e = (s: string | undefined) => escapeMrkdwn(s ?? '—');
  const headline = `${ICON[o.outcome] ?? ''} *${e(o.outcome.toUpperCase())}* · ${e(n.title)}`;
  const fields = [
    `*Resource*\n\`${e(o.resourceId)}\` (${e(o.resourceType)})`,
    `*Remediation*\n${e(o.remediation)}${o.mode ? ` (${e(o.mode)})` : ''}`,
    `*Account / Region*\n${e(o.account)} / ${e(o.region)}`,
    `*Execution*\n${o.executionId ? `\`${e(o.executionId)}\`` : '—'}`,
    ...(o.requestedBy ? [`*Requested by*\n${e(o.requestedBy)}`] : []),
    ...(o.approvedBy ? [`*Approved by*\n${e(o.approvedBy)}`] : []),
    ...(o.origin === 'backfill' && !o.requestedBy ? ['*Found by*\nbackfill (scheduled)'] : []),
  ];
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: headline } },
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
    { type: 'section', text: { type: 'mrkdwn', text: `*Why:* ${e(o.reason)}` } },
  ];
  if (n.outcomes && n.outcomes.length > 1) {
    const counts = new Map<string, number>();
    for (const x of n.outcomes) counts.set(x.outcome, (counts.get(x.outcome) ?? 0) + 1);
    const summary = [...counts].map(([k, v]) => `${v} ${k}`).join(', ');
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `${n.outcomes.length} resources: ${e(summary)}` }],
    });
  }
  if (o.outcome === 'deferred' && o.nextTransitionTime) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Calendar opens again at ${e(o.nextTransitionTime)}` }],
    });
  }
  if (n.consoleUrl) {
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Open in AWS console' }, url: n.consoleUrl },
      ],
    });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `event \`${e(o.eventId)}\` · ${e(o.at)}` }],
  });
  return { text: `${o.outcome}: ${n.title} on ${o.resourceId ?? 'an event'}`, blocks };
}

/** Slack answered 429: try again after `retryAfterSeconds` (its `Retry-After` header; 1 s if absent). */
export class SlackRateLimited extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`Slack webhook answered HTTP 429 (retry after ${retryAfterSeconds} s)`);
    this.name = 'SlackRateLimited';
  }
}

/** Seconds from a `Retry-After` header (delta-seconds or an HTTP date); 1 when absent or unreadable. */
export function retryAfterSeconds(header: string | null, now: Date = new Date()): number {
  if (header === null || header.trim() === '') return 1;
  const n = Number(header);
  if (Number.isFinite(n)) return Math.max(0, Math.ceil(n));
  const at = Date.parse(header);
  return Number.isNaN(at) ? 1 : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/**
 * One POST to a Slack incoming webhook. The URL is a secret: it never appears in an error message or
 * a log line (errors name the status, not the address). 429 throws SlackRateLimited with Slack's wait.
 */
export async function postToSlack(
  url: string,
  payload: unknown,
  fetchImpl: typeof fetch = fetch,
  timeoutMs = 5_000,
): Promise<void> {
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const kind = e instanceof Error ? e.name : 'Error';
    throw new Error(`Slack webhook unreachable (${kind})`);
  }
  if (res.status === 429) throw new SlackRateLimited(retryAfterSeconds(res.headers.get('retry-after')));
  if (!res.ok) throw new Error(`Slack webhook answered HTTP ${res.status}`);
}

/**
 * Posts each notification to a Slack incoming webhook at once (no queue, no digest): kept for direct
 * use and tests; the deployed service posts from its Slack queue (src/handlers/notify-slack.ts).
 */
export function slackNotifier(
  getUrl: () => Promise<string | undefined>,
  fetchImpl: typeof fetch = fetch,
  timeoutMs = 5_000,
): NotifierPort {
  return {
    async notify(n) {
      const url = await getUrl();
      if (!url) return;
      await postToSlack(url, slackMessage(n), fetchImpl, timeoutMs);
    },
  };
}
