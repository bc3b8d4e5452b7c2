import {
  DeleteCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { SweepCursorPort } from '../ports/sweep-cursor.ts';

/** A cursor older than this is dropped (SSM's NextToken would not be accepted any more anyway). */
const CURSOR_TTL_SECONDS = 24 * 3600;

/**
 * Where the agent-health sweep's walk over the Online agents resumes: one item in the ledger, in the
 * sweep's own partition (`COUNTER#<scope>`, the only key its role may touch), under the sort key
 * `#cursor`, which no instance id can be. It carries no `n`, so it never reads as a debounce count.
 */
export function dynamoSweepCursor(
  doc: DynamoDBDocumentClient,
  TableName: string,
  scope: string,
  now = () => Date.now(),
): SweepCursorPort {
  const Key = { pk: `COUNTER#${scope}`, sk: '#cursor' };
  return {
    async get() {
      const out = await doc.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND sk = :sk',
          ExpressionAttributeValues: { ':pk': Key.pk, ':sk': Key.sk },
          ConsistentRead: true,
        }),
      );
      const c = out.Items?.[0]?.cursor;
      return typeof c === 'string' && c !== '' ? c : undefined;
    },
    async put(cursor) {
      if (cursor === undefined) {
        await doc.send(new DeleteCommand({ TableName, Key }));
        return;
      }
      await doc.send(
        new UpdateCommand({
          TableName,
          Key,
          UpdateExpression: 'SET #c = :c, #ttl = :ttl',
          ExpressionAttributeNames: { '#c': 'cursor', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':c': cursor, ':ttl': Math.floor(now() / 1000) + CURSOR_TTL_SECONDS },
        }),
      );
    },
  };
}
