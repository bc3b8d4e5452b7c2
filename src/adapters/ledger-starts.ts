/**
 * The hour's starts: one item per execution started, in clock-hour buckets (`STARTS#<hour>`, written
 * last when an execution is recorded). They give the budget gate its rolling count (executions
 * started in the last hour) and recovery by tag the ids the ledger recorded in a window
 * (src/core/recovery.ts compares SSM's list of the service's executions with it), one Query per hour.
 *
 * | item | pk | sk | ttl |
 * | start (budget) | STARTS#<hour> | <startedAt>#<id> | 2 h |
 */
import type { ExecutionRecord } from '../ports/ledger.ts';
import { epoch, HOUR, iso, type LedgerTable } from './ledger-table.ts';

const hourBucket = (ms: number): string => `STARTS#${iso(ms).slice(0, 13)}`;

export interface StartsLedger {
  recordStart(rec: Pick<ExecutionRecord, 'executionId' | 'remediationId' | 'startedAt'>): Promise<void>;
  /** Executions started account-wide in the rolling hour before `now`. */
  startedLastHour(now: Date): Promise<number>;
  /** Ids of the executions recorded as started between `from` and `to`. */
  startedBetween(from: Date, to: Date): Promise<Set<string>>;
}

export function startsLedger(table: LedgerTable): StartsLedger {
  return {
    async recordStart(rec) {
      const t = Date.parse(rec.startedAt);
      await table.put({
        Item: {
          pk: hourBucket(t),
          sk: `${rec.startedAt}#${rec.executionId}`,
          executionId: rec.executionId,
          remediationId: rec.remediationId,
          ttl: epoch(t + 2 * HOUR),
        },
      });
    },

    async startedLastHour(now) {
      const t = now.getTime();
      const from = iso(t - HOUR);
      const buckets = [...new Set([hourBucket(t - HOUR), hourBucket(t)])];
      const counts = await Promise.all(
        buckets.map((pk) =>
          table.count({
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
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
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': hourBucket(h) },
          ProjectionExpression: 'executionId',
        });
        for (const i of items) if (typeof i['executionId'] === 'string') ids.add(i['executionId']);
      }
      return ids;
    },
  };
}
