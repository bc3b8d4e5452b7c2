/**
 * Approval requests in the ledger table: `APPROVAL#<id>` / `APPROVAL`. A pending request is listed
 * on gsi1 under `APPROVALS` (by expiry); deciding it removes it from the index. The decision is a
 * conditional update (`state = pending`), so a request is decided once, whoever asks twice.
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ApprovalRecord } from '../ports/approvals.ts';
import type { ApprovalsPort } from '../ports/approvals.ts';

const key = (id: string) => ({ pk: `APPROVAL#${id}`, sk: 'APPROVAL' });
/** Kept 30 days after it is asked for (the ledger's history keeps the outcomes longer). */
const TTL_DAYS = 30;

const isConditionFailed = (e: unknown) =>
  (e as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

function record(item: Record<string, unknown>): ApprovalRecord {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ttl: _ttl, ...rest } = item;
  return rest as unknown as ApprovalRecord;
}

export function dynamoApprovals(doc: DynamoDBDocumentClient, TableName: string): ApprovalsPort {
  const get = async (id: string) => {
    const out = await doc.send(new GetCommand({ TableName, Key: key(id), ConsistentRead: true }));
    return out.Item ? record(out.Item) : undefined;
  };
  return {
    get,
    async request(a) {
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: {
              ...key(a.id),
              ...a,
              gsi1pk: 'APPROVALS',
              gsi1sk: `${a.expiresAt}#${a.id}`,
              ttl: Math.floor(Date.parse(a.requestedAt) / 1000) + TTL_DAYS * 86_400,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return a;
      } catch (e) {
        if (!isConditionFailed(e)) throw e;
        return (await get(a.id)) ?? a;
      }
    },
    async decide(id, state, by, at) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName,
            Key: key(id),
            ConditionExpression: 'attribute_exists(pk) AND #s = :pending',
            UpdateExpression: `SET #s = :state, decidedAt = :at${by ? ', decidedBy = :by' : ''} REMOVE gsi1pk, gsi1sk`,
            ExpressionAttributeNames: { '#s': 'state' },
            ExpressionAttributeValues: {
              ':pending': 'pending',
              ':state': state,
              ':at': at.toISOString(),
              ...(by ? { ':by': by } : {}),
            },
          }),
        );
        return true;
      } catch (e) {
        if (isConditionFailed(e)) return false;
        throw e;
      }
    },
    async listPending(limit = 1000) {
      const items: ApprovalRecord[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const out = await doc.send(
          new QueryCommand({
            TableName,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :p',
            ExpressionAttributeValues: { ':p': 'APPROVALS' },
            ExclusiveStartKey,
          }),
        );
        for (const i of out.Items ?? []) items.push(record(i));
        ExclusiveStartKey = out.LastEvaluatedKey;
      } while (ExclusiveStartKey && items.length < limit);
      return items.slice(0, limit);
    },
  };
}
