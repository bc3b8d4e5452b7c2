/**
 * Backfill's notes in the ledger table: `BACKFILL#<rem>#<res>` / `BACKFILL` (when backfill last fed
 * it, with a TTL), read together with the deferral item `DEFER#<rem>#<res>` / `DEFER` (held work is
 * the reconcile sweep's, not backfill's). GetItem and PutItem only.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BackfillMarksPort } from '../ports/backfill.ts';

export function dynamoBackfillMarks(doc: DynamoDBDocumentClient, TableName: string): BackfillMarksPort {
  const get = async (pk: string, sk: string) =>
    (await doc.send(new GetCommand({ TableName, Key: { pk, sk }, ConsistentRead: true }))).Item;
  return {
    async seen(remediationId, resourceId, since) {
      const mark = await get(`BACKFILL#${remediationId}#${resourceId}`, 'BACKFILL');
      if (typeof mark?.['fedAt'] === 'string' && mark['fedAt'] >= since.toISOString()) return true;
      return (await get(`DEFER#${remediationId}#${resourceId}`, 'DEFER')) !== undefined;
    },
    async mark(remediationId, resourceId, now, ttlDays) {
      await doc.send(
        new PutCommand({
          TableName,
          Item: {
            pk: `BACKFILL#${remediationId}#${resourceId}`,
            sk: 'BACKFILL',
            remediationId,
            resourceId,
            fedAt: now.toISOString(),
            ttl: Math.floor(now.getTime() / 1000) + ttlDays * 86_400,
          },
        }),
      );
    },
  };
}
