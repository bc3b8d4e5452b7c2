/**
 * History: every outcome, as an operator and an auditor read it (`remediator history`), newest first
 * by resource (the table) or by remediation (`gsi1`).
 *
 * | item | pk | sk | gsi1pk / gsi1sk | ttl |
 * | outcome | OUT#<res> | <at>#<rem>#<eventId>#<outcome> | REM#<rem> / <at>#<res> | outcomeTtlDays |
 */
import type { HistoryQuery } from '../ports/ledger-store.ts';
import type { Outcome } from '../model/types.ts';
import { epoch, strip, type Item, type LedgerTable } from './ledger-table.ts';

export interface HistoryLedger {
  recordOutcome(outcome: Outcome): Promise<void>;
  history(q: HistoryQuery): Promise<Outcome[]>;
}

export function historyLedger(table: LedgerTable, outcomeTtlMs: number): HistoryLedger {
  return {
    async recordOutcome(o) {
      const t = Date.parse(o.at) || table.now();
      const rem = o.remediation ?? '-';
      const res = o.resourceId ?? '-';
      await table.put({
        Item: {
          ...o,
          pk: `OUT#${res}`,
          sk: `${o.at}#${rem}#${o.eventId}#${o.outcome}`,
          gsi1pk: `REM#${rem}`,
          gsi1sk: `${o.at}#${res}`,
          ttl: epoch(t + outcomeTtlMs),
        },
      });
    },

    async history(q) {
      const limit = q.limit ?? 50;
      let items: Item[];
      if (q.resourceId) {
        items = await table.query(
          {
            KeyConditionExpression: 'pk = :p',
            ExpressionAttributeValues: {
              ':p': `OUT#${q.resourceId}`,
              ...(q.remediationId ? { ':r': q.remediationId } : {}),
            },
            ...(q.remediationId ? { FilterExpression: 'remediation = :r' } : {}),
            ScanIndexForward: false,
          },
          limit,
        );
      } else if (q.remediationId) {
        items = await table.query(
          {
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :p',
            ExpressionAttributeValues: { ':p': `REM#${q.remediationId}` },
            ScanIndexForward: false,
          },
          limit,
        );
      } else {
        throw new Error('history needs a resource id or a remediation id');
      }
      return items.map((i) => strip<Outcome>(i));
    },
  };
}
