/**
 * What notify-slack does with one batch from the Slack queue: parse each record, group them into
 * posts (src/core/digest.ts), and post them one at a time, at most about one per second (Slack's
 * limit per incoming webhook). A 429 is honoured: wait its Retry-After and try again, if the
 * invocation has the time; otherwise that post and the rest are reported as batch item failures and
 * come back after the queue's visibility timeout. Any other failure (Slack down) stops the batch the
 * same way. Nothing is dropped: a record leaves the queue only once Slack accepted the post it is in.
 */
import { errorMessage } from '../model/errors.ts';
import { parseOutcomeMessage, planSlackPosts, type QueuedOutcome, type SlackPost } from './digest.ts';
import type { LogPort } from '../ports/index.ts';

export interface SlackPostDeps {
  /** Renders and posts one post; throws on failure, with `retryAfterSeconds` on a 429. */
  send(post: SlackPost): Promise<void>;
  sleep(ms: number): Promise<void>;
  /** Milliseconds the invocation has left. */
  remainingMs(): number;
  log: LogPort;
  /** Gap between two posts (default 1,100 ms: under one per second). */
  gapMs?: number;
  /** Records a digest lists by resource (default 5). */
  firstN?: number;
}

export interface SlackBatchResult {
  posts: number;
  digests: number;
  rateLimited: number;
  /** Record ids to report as batch item failures. */
  failed: string[];
}

const retryAfter = (e: unknown): number | undefined => {
  const s = (e as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  return typeof s === 'number' ? s : undefined;
};

export async function postSlackBatch(
  records: Array<{ id: string; body: string }>,
  deps: SlackPostDeps,
): Promise<SlackBatchResult> {
  const gap = deps.gapMs ?? 1_100;
  const result: SlackBatchResult = { posts: 0, digests: 0, rateLimited: 0, failed: [] };
  const items: QueuedOutcome[] = [];
  for (const r of records) {
    try {
      items.push({ id: r.id, message: parseOutcomeMessage(r.body) });
    } catch (e) {
      // Only the results topic writes here: a bad record is a bug, kept for the dead-letter queue.
      deps.log.error('Slack queue record is not a results-topic message', {
        messageId: r.id,
        error: errorMessage(e),
      });
      result.failed.push(r.id);
    }
  }
  const posts = planSlackPosts(items, deps.firstN);
  let stopped = false;
  for (const [i, post] of posts.entries()) {
    if (stopped) {
      result.failed.push(...post.ids);
      continue;
    }
    if (i > 0) await deps.sleep(gap);
    for (;;) {
      try {
        await deps.send(post);
        result.posts++;
        if (post.kind === 'digest') result.digests++;
        break;
      } catch (e) {
        const wait = retryAfter(e);
        if (wait !== undefined) result.rateLimited++;
        // Room to wait and post again, with a margin for the post itself.
        if (wait !== undefined && wait * 1000 + 10_000 < deps.remainingMs()) {
          deps.log.info('Slack asked to wait (429); waiting as told', { retryAfterSeconds: wait });
          await deps.sleep(wait * 1000);
          continue;
        }
        deps.log.warn('Slack post failed; the rest of the batch returns after the visibility timeout', {
          error: errorMessage(e),
          records: posts.slice(i).reduce((n, p) => n + p.ids.length, 0),
        });
        result.failed.push(...post.ids);
        stopped = true;
        break;
      }
    }
  }
  return result;
}
