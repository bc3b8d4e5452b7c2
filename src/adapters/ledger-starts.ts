/**
 * The executions the ledger recorded as started in a time window, read from the budget's hour
 * buckets (`STARTS#<hour>`, written last by recordExecution): what recovery by tag compares SSM's
 * list of the service's executions with (src/core/recovery.ts), one Query per clock hour.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const HOUR = 3_600_000;

export interface StartsLedger {
  /** Ids of the executions recorded as started between `from` and `to`. */
  startedBetween(from: Date, to: Date): Promise<Set<string>>;
}

export function startsLedger(doc: DynamoDBDocumentClient, TableName: string): StartsLedger {
  return {
    async startedBetween(from, to) {
      const ids = new Set<string>();
      for (let h = Math.floor(from.getTime() / HOUR) * HOUR; h <= to.getTime(); h += HOUR) {
        const pk = `STARTS#${new Date(h).toISOString().slice(0, 13)}`;
        let ExclusiveStartKey: Record<string, unknown> | undefined;
        do {
          const out = await doc.send(
            new QueryCommand({
              TableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': pk },
              ProjectionExpression: 'executionId',
              ExclusiveStartKey,
            }),
          );
          for (const i of out.Items ?? [])
            if (typeof i['executionId'] === 'string') ids.add(i['executionId']);
          ExclusiveStartKey = out.LastEvaluatedKey;
        } while (ExclusiveStartKey);
      }
      return ids;
    },
  };
}
