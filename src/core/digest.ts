/**
 * Slack digests (docs/operating.md "Notifications"). The results topic keeps one message per outcome
 * for machines; Slack gets what the notify-slack function read from its queue in one batching window,
 * grouped per remediation: a group of one is posted as that outcome's own message, a larger group as
 * one digest (counts by outcome, the first few resources, failures first, and the `remediator history`
 * command line that lists the rest). Pure: the handler parses, plans with this, then posts.
 */
import * as z from '../model/zod.ts';

const nullableString = z.nullable(z.string());

/** The results topic's message (src/adapters/notifier-sns.ts, `snsMessage`), as Slack's queue receives it. */
export const outcomeMessageSchema = z.object({
  title: z.string(),
  remediation: nullableString,
  resource: z.object({ type: nullableString, id: nullableString }),
  account: nullableString,
  region: nullableString,
  outcome: z.string().check(z.minLength(1)),
  code: nullableString,
  reason: z.string(),
  executionId: nullableString,
  consoleUrl: nullableString,
  nextTransitionTime: nullableString,
  mode: nullableString,
  eventId: z.string(),
  /** Who asked (a manual run or an operator's backfill), and how the finding came. */
  requestedBy: z.optional(z.string()),
  origin: z.optional(z.enum(['operator', 'backfill'])),
  /** Mode `approve` (docs/approvals.md): the request, who approved, and the plan of a request. */
  approvalId: z.optional(z.string()),
  approvedBy: z.optional(z.string()),
  plan: z.optional(
    z.array(
      z.object({
        kind: z.string(),
        document: z.string(),
        parameters: z.record(z.string(), z.string()),
        instances: z.optional(z.number()),
      }),
    ),
  ),
  at: z.string(),
  outcomes: z.optional(
    z.array(
      z.object({
        resourceId: z.nullable(z.optional(z.string())),
        outcome: z.string(),
        code: nullableString,
        reason: z.string(),
        executionId: nullableString,
      }),
    ),
  ),
});
export type OutcomeMessage = z.infer<typeof outcomeMessageSchema>;

/** Parses one queue record's body; the error names the field at fault. */
export function parseOutcomeMessage(body: string): OutcomeMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error('not JSON');
  }
  const r = outcomeMessageSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`field ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

export interface QueuedOutcome {
  /** The queue record's id (reported back as a batch item failure if its post fails). */
  id: string;
  message: OutcomeMessage;
}

export interface DigestLine {
  resourceId: string | null;
  outcome: string;
  code: string | null;
}

export interface Digest {
  remediation: string | null;
  /** Outcomes in the group. */
  total: number;
  /** Count per outcome (`succeeded`, `failed`, ...), in first-seen order. */
  counts: Record<string, number>;
  /** The first resources (failures first, then in time order). */
  first: DigestLine[];
  /** Outcomes not listed in `first`. */
  more: number;
  from: string;
  to: string;
  account: string | null;
  region: string | null;
  /** The command line that lists them all. */
  history: string;
}

export type SlackPost =
  | { kind: 'single'; ids: string[]; message: OutcomeMessage }
  | { kind: 'digest'; ids: string[]; digest: Digest };

/** Outcomes a person must act on come first in a digest's list. */
const RANK: Record<string, number> = {
  failed: 0,
  rejected: 1,
  deferred: 2,
  skipped: 3,
  started: 4,
  succeeded: 5,
};

/** Single quotes for a shell (ids come from events; the line is to be copied, never run by us). */
const shellQuote = (s: string): string =>
  /^[A-Za-z0-9._:/@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Groups one batch into Slack posts: one per remediation (in the order each first appears), a lone
 * outcome as itself. Every input id is in exactly one post.
 */
export function planSlackPosts(items: QueuedOutcome[], firstN = 5): SlackPost[] {
  const groups = new Map<string, QueuedOutcome[]>();
  const posts: SlackPost[] = [];
  for (const item of items) {
    // An approval request is always its own message: it carries the buttons.
    if (item.message.code === 'approval' && item.message.approvalId) {
      posts.push({ kind: 'single', ids: [item.id], message: item.message });
      continue;
    }
    const key = item.message.remediation ?? '';
    const g = groups.get(key);
    if (g) g.push(item);
    else groups.set(key, [item]);
  }
  for (const group of groups.values()) {
    const ids = group.map((g) => g.id);
    if (group.length === 1) {
      posts.push({ kind: 'single', ids, message: group[0]!.message });
      continue;
    }
    const byTime = [...group].sort((a, b) => a.message.at.localeCompare(b.message.at));
    const counts: Record<string, number> = {};
    for (const g of byTime) counts[g.message.outcome] = (counts[g.message.outcome] ?? 0) + 1;
    const listed = [...byTime]
      .sort((a, b) => (RANK[a.message.outcome] ?? 9) - (RANK[b.message.outcome] ?? 9))
      .slice(0, firstN)
      .map((g) => ({
        resourceId: g.message.resource.id,
        outcome: g.message.outcome,
        code: g.message.code,
      }));
    const remediation = group[0]!.message.remediation;
    posts.push({
      kind: 'digest',
      ids,
      digest: {
        remediation,
        total: group.length,
        counts,
        first: listed,
        more: group.length - listed.length,
        from: byTime[0]!.message.at,
        to: byTime.at(-1)!.message.at,
        account: group[0]!.message.account,
        region: group[0]!.message.region,
        history: remediation
          ? `remediator history --remediation ${shellQuote(remediation)} --limit ${Math.min(1000, Math.max(50, group.length))}`
          : 'remediator history --limit 1000',
      },
    });
  }
  return posts;
}
