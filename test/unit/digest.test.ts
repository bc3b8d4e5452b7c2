/** Slack digests (src/core/digest.ts) and posting one batch from the Slack queue (src/core/slack-posts.ts). */
import { describe, expect, test } from 'vitest';
import {
  parseOutcomeMessage,
  planSlackPosts,
  type OutcomeMessage,
  type SlackPost,
} from '../../src/core/digest.ts';
import { postSlackBatch } from '../../src/core/slack-posts.ts';
import type { LogPort } from '../../src/ports/index.ts';

const msg = (over: Partial<OutcomeMessage> & { id?: string } = {}): OutcomeMessage => ({
  title: 'Close SSH',
  remediation: 'restricted-ssh',
  resource: { type: 'AWS::EC2::SecurityGroup', id: over.id ?? 'sg-1' },
  account: '123456789012',
  region: 'us-east-1',
  outcome: 'succeeded',
  code: null,
  reason: 'done',
  executionId: 'e-1',
  consoleUrl: null,
  nextTransitionTime: null,
  mode: 'auto',
  eventId: 'ev-1',
  at: '2026-01-01T00:00:00.000Z',
  ...over,
});
const q = (id: string, m: OutcomeMessage) => ({ id, message: m });

describe('planSlackPosts', () => {
  test('a lone outcome is posted as itself', () => {
    const posts = planSlackPosts([q('r1', msg())]);
    expect(posts).toEqual([{ kind: 'single', ids: ['r1'], message: msg() }]);
  });

  test('one digest per remediation: counts by outcome, failures listed first, the rest by command line', () => {
    const items = [
      ...Array.from({ length: 6 }, (_, i) =>
        q(`s${i}`, msg({ id: `sg-${i}`, outcome: 'succeeded', at: `2026-01-01T00:0${i}:00.000Z` })),
      ),
      q(
        'f1',
        msg({ id: 'sg-bad', outcome: 'failed', code: 'execution-failed', at: '2026-01-01T00:09:00.000Z' }),
      ),
      q('o1', msg({ remediation: 'ec2-ssm-agent', id: 'i-1', outcome: 'started' })),
    ];
    const posts = planSlackPosts(items, 3);
    expect(posts.map((p) => p.kind)).toEqual(['digest', 'single']);
    const d = (posts[0] as Extract<SlackPost, { kind: 'digest' }>).digest;
    expect(d).toMatchObject({
      remediation: 'restricted-ssh',
      total: 7,
      counts: { succeeded: 6, failed: 1 },
      more: 4,
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-01T00:09:00.000Z',
      history: 'remediator history --remediation restricted-ssh --limit 50',
    });
    expect(d.first.map((l) => l.resourceId)).toEqual(['sg-bad', 'sg-0', 'sg-1']);
    // Every record is in exactly one post.
    expect(posts.flatMap((p) => p.ids).sort()).toEqual(items.map((i) => i.id).sort());
  });

  test('a remediation id that is not shell-safe is quoted in the command line', () => {
    const posts = planSlackPosts([
      q('a', msg({ remediation: "x'; rm -rf /" })),
      q('b', msg({ remediation: "x'; rm -rf /" })),
    ]);
    const d = (posts[0] as Extract<SlackPost, { kind: 'digest' }>).digest;
    expect(d.history).toBe(`remediator history --remediation 'x'\\''; rm -rf /' --limit 50`);
  });
});

describe('parseOutcomeMessage', () => {
  test('names the field at fault', () => {
    expect(() => parseOutcomeMessage('{nope')).toThrow('not JSON');
    const { outcome: _, ...rest } = msg();
    expect(() => parseOutcomeMessage(JSON.stringify(rest))).toThrow(/field outcome/);
    expect(parseOutcomeMessage(JSON.stringify(msg()))).toEqual(msg());
  });
});

describe('postSlackBatch', () => {
  const log: LogPort & { lines: string[] } = {
    lines: [],
    debug() {},
    info(m) {
      this.lines.push(m);
    },
    warn(m) {
      this.lines.push(m);
    },
    error(m) {
      this.lines.push(m);
    },
  } as LogPort & { lines: string[] };
  const records = [
    { id: 'a1', body: JSON.stringify(msg({ id: 'sg-a1' })) },
    { id: 'a2', body: JSON.stringify(msg({ id: 'sg-a2' })) },
    { id: 'b1', body: JSON.stringify(msg({ remediation: 'other', id: 'sg-b1' })) },
    { id: 'bad', body: '{"title":1}' },
  ];

  test('posts one message per remediation, a gap between posts, and reports bad records as failures', async () => {
    const sent: SlackPost[] = [];
    const slept: number[] = [];
    const r = await postSlackBatch(records, {
      send: async (p) => void sent.push(p),
      sleep: async (ms) => void slept.push(ms),
      remainingMs: () => 60_000,
      log,
    });
    expect(sent.map((p) => p.kind)).toEqual(['digest', 'single']);
    expect(slept).toEqual([1_100]);
    expect(r).toEqual({ posts: 2, digests: 1, rateLimited: 0, failed: ['bad'] });
  });

  test('429: waits Retry-After and posts again; Slack down: the rest are left for the visibility timeout', async () => {
    let calls = 0;
    const slept: number[] = [];
    const r = await postSlackBatch(records.slice(0, 3), {
      send: async () => {
        calls++;
        if (calls === 1) throw Object.assign(new Error('429'), { retryAfterSeconds: 7 });
        if (calls === 3) throw new Error('Slack webhook answered HTTP 503');
      },
      sleep: async (ms) => void slept.push(ms),
      remainingMs: () => 60_000,
      log,
    });
    expect(slept).toEqual([7_000, 1_100]);
    expect(r).toEqual({ posts: 1, digests: 1, rateLimited: 1, failed: ['b1'] });
  });

  test('a Retry-After longer than the invocation has left: nothing waits, the records come back later', async () => {
    const r = await postSlackBatch(records.slice(0, 3), {
      send: async () => {
        throw Object.assign(new Error('429'), { retryAfterSeconds: 120 });
      },
      sleep: async () => undefined,
      remainingMs: () => 50_000,
      log,
    });
    expect(r.failed.sort()).toEqual(['a1', 'a2', 'b1']);
    expect(r.posts).toBe(0);
  });
});
