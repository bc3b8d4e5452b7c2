/**
 * Held work of one hold code, oldest first (src/core/hold.ts): the deferral items on the ledger's
 * `gsi1` (`DEFERRED` / `<deferredAt>#<rem>#<res>`, the arrival order the sweep releases in), filtered
 * on `code`, read page by page only until `max` are found. What the completion function asks ("is
 * admission work held?", max 1) and what the reconcile function's light release pass reads (the
 * oldest admission work, as many as there are free slots), without listing every deferral.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoredDeferral } from '../ports/ledger-store.ts';

/** Items a page reads before the filter (DynamoDB applies Limit before FilterExpression). */
const PAGE = 100;

export interface HeldLedger {
  /** Up to `max` held items with this hold code, in arrival order. */
  listHeld(code: string, max: number): Promise<StoredDeferral[]>;
}

export function heldLedger(doc: DynamoDBDocumentClient, TableName: string): HeldLedger {
  return {
    async listHeld(code, max) {
      const out: StoredDeferral[] = [];
      if (max <= 0) return out;
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :p',
            FilterExpression: '#code = :code',
            ExpressionAttributeNames: { '#code': 'code' },
            ExpressionAttributeValues: { ':p': 'DEFERRED', ':code': code },
            Limit: Math.max(PAGE, max),
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ttl: _ttl, ...rest } = item;
          out.push(rest as StoredDeferral);
        }
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey && out.length < max);
      return out.slice(0, max);
    },
  };
}
