/**
 * The hour's starts, read from the execution items themselves: each execution item carries its start
 * on the sparse, keys-only index `gsi2` (`STARTED#<hour>` / `<startedAt>#<id>`, written with the item
 * by ledger-executions.ts, so a start costs no write of its own). They give the budget gate its
 * rolling count (executions started in the last hour) and recovery by tag the ids the ledger
 * recorded in a window (src/core/recovery.ts compares SSM's list of the service's executions with
 * it), one Query per clock hour. An index read is eventually consistent: the budget's exact rule is
 * the conditional counter (ledger-guards.ts), and recovery lists only executions older than its
 * settle time and reads the execution item before recording anything.
 *
 * Before 2026-12-06 (later) each start was a base-table item `STARTS#<hour>` (2 h TTL); in the two hours
 * after the upgrade those starts are not counted here (the counter still holds the budget), and
 * recovery reads their execution items once more each sweep, then finds them recorded.
 *
 * | index | gsi2pk | gsi2sk | projection |
 * | gsi2 (execution items) | STARTED#<hour> | <startedAt>#<id> | keys only |
 */
import type { ExecutionRecord } from '../ports/ledger.ts';
import { HOUR, iso, type LedgerTable } from './ledger-table.ts';

const hourBucket = (ms: number): string => `STARTED#${iso(ms).slice(0, 13)}`;

/** The index keys an execution item carries: its start, listed by clock hour. */
export function startKeys(rec: Pick<ExecutionRecord, 'executionId' | 'startedAt'>): {
  gsi2pk: string;
  gsi2sk: string;
} {
  return { gsi2pk: hourBucket(Date.parse(rec.startedAt)), gsi2sk: `${rec.startedAt}#${rec.executionId}` };
}

export interface StartsLedger {
  /** Executions started account-wide in the rolling hour before `now`. */
  startedLastHour(now: Date): Promise<number>;
  /** Ids of the executions recorded as started between `from` and `to`. */
  startedBetween(from: Date, to: Date): Promise<Set<string>>;
}

export function startsLedger(table: LedgerTable): StartsLedger {
  return {
    async startedLastHour(now) {
      const t = now.getTime();
      const from = iso(t - HOUR);
      const buckets = [...new Set([hourBucket(t - HOUR), hourBucket(t)])];
      const counts = await Promise.all(
        buckets.map((pk) =>
          table.count({
            IndexName: 'gsi2',
            KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': `${iso(t)}~` },
          }),
        ),
      );
      return counts.reduce((a, b) => a + b, 0);
    },

    async startedBetween(from, to) {
      const ids = new Set<string>();
      for (let h = Math.floor(from.getTime() / HOUR) * HOUR; h <= to.getTime(); h += HOUR) {
        const items = await table.query({
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :pk',
          ExpressionAttributeValues: { ':pk': hourBucket(h) },
        });
        for (const i of items) {
          const sk = i['gsi2sk'];
          if (typeof sk === 'string') ids.add(sk.slice(sk.indexOf('#') + 1));
        }
      }
      return ids;
    },
  };
}
