/**
 * The one table helper every ledger adapter (src/adapters/ledger-*.ts) writes through: the ledger's
 * DynamoDB table (serverless.yml `LedgerTable`: pk/sk, gsi1 = gsi1pk/gsi1sk, gsi2 = gsi2pk/gsi2sk, TTL attribute `ttl`)
 * with its name and the clock, and thin wrappers over GetItem, PutItem, UpdateItem, DeleteItem and
 * Query (what the function roles grant). A conditional write answers false when its condition did
 * not hold; any other error is thrown (the callers fail closed).
 */
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DeleteCommandInput,
  type PutCommandInput,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { systemClock } from './system-clock.ts';

export type Item = Record<string, unknown>;
type Input<T> = Omit<T, 'TableName'>;

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Timestamps are ISO-8601 UTC from Date#toISOString, so they sort as strings. */
export const iso = (ms: number): string => new Date(ms).toISOString();
/** The TTL attribute: epoch seconds. */
export const epoch = (ms: number): number => Math.floor(ms / 1000);

export function isConditionFailed(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'name' in e && e.name === 'ConditionalCheckFailedException';
}

/** Removes the key attributes so a stored item reads as the record it holds. */
export function strip<T>(item: Item): T {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, gsi2pk: _g3, gsi2sk: _g4, ttl: _ttl, ...rest } = item;
  return rest as T;
}

export interface LedgerTable {
  readonly name: string;
  /** The clock (ms): the system clock, or the one a test or the sandbox gives. */
  now(): number;
  /** A consistent GetItem. */
  get(pk: string, sk: string): Promise<Item | undefined>;
  /** PutItem: false if its condition did not hold. */
  put(input: Input<PutCommandInput>): Promise<boolean>;
  /** UpdateItem: false if its condition did not hold. */
  update(input: Input<UpdateCommandInput>): Promise<boolean>;
  /** UpdateItem returning the updated attributes (UPDATED_NEW). */
  updateReturning(input: Input<UpdateCommandInput>): Promise<Item>;
  /** DeleteItem: false if its condition did not hold. */
  remove(input: Input<DeleteCommandInput>): Promise<boolean>;
  /** Every page of a Query (or up to `limit` items). */
  query(input: Input<QueryCommandInput>, limit?: number): Promise<Item[]>;
  /** A COUNT Query over every page. */
  count(input: Omit<QueryCommandInput, 'TableName' | 'Select'>): Promise<number>;
}

export function ledgerTable(
  doc: DynamoDBDocumentClient,
  TableName: string,
  now: () => number = () => systemClock.now().getTime(),
): LedgerTable {
  /** Runs a conditional write; false if the condition did not hold. */
  async function conditional(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (e) {
      if (isConditionFailed(e)) return false;
      throw e;
    }
  }
  return {
    name: TableName,
    now,
    async get(pk, sk) {
      const out = await doc.send(new GetCommand({ TableName, Key: { pk, sk }, ConsistentRead: true }));
      return out.Item;
    },
    put: (input) => conditional(() => doc.send(new PutCommand({ TableName, ...input }))),
    update: (input) => conditional(() => doc.send(new UpdateCommand({ TableName, ...input }))),
    async updateReturning(input) {
      const out = await doc.send(new UpdateCommand({ TableName, ReturnValues: 'UPDATED_NEW', ...input }));
      return out.Attributes ?? {};
    },
    remove: (input) => conditional(() => doc.send(new DeleteCommand({ TableName, ...input }))),
    async query(input, limit = Infinity) {
      const items: Item[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const out = await doc.send(new QueryCommand({ TableName, ...input, ExclusiveStartKey }));
        items.push(...(out.Items ?? []));
        ExclusiveStartKey = out.LastEvaluatedKey;
      } while (ExclusiveStartKey && items.length < limit);
      return items.slice(0, limit);
    },
    async count(input) {
      let n = 0;
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const out = await doc.send(
          new QueryCommand({ TableName, Select: 'COUNT', ...input, ExclusiveStartKey }),
        );
        n += out.Count ?? 0;
        ExclusiveStartKey = out.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return n;
    },
  };
}

/** The document client the ledger expects: undefined optional fields are dropped, not rejected. */
export function ledgerDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
