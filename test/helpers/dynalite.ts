/**
 * A real DynamoDB engine in-process for tests: dynalite (in memory) on a random loopback port, the
 * ledger table created exactly as serverless.yml declares `LedgerTable` (one source of truth), and
 * the ledger adapter over the real SDK client.
 */
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';
import {
  dynamoLedger,
  ledgerDocumentClient,
  type LedgerOptions,
} from '../../src/adapters/ledger-dynamodb.ts';
import type { LedgerStore } from '../../src/ports/ledger-store.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** CloudFormation short-form intrinsics (!Ref, !GetAtt, !Sub, …) read as their long form. */
const INTRINSICS: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  GetAtt: 'Fn::GetAtt',
  Sub: 'Fn::Sub',
  Join: 'Fn::Join',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  If: 'Fn::If',
  Equals: 'Fn::Equals',
  Not: 'Fn::Not',
  And: 'Fn::And',
  Or: 'Fn::Or',
  FindInMap: 'Fn::FindInMap',
  ImportValue: 'Fn::ImportValue',
  Base64: 'Fn::Base64',
  GetAZs: 'Fn::GetAZs',
  Cidr: 'Fn::Cidr',
};

export const cfnTags: (ScalarTag | CollectionTag)[] = Object.entries(INTRINSICS).flatMap(([short, long]) => [
  {
    tag: `!${short}`,
    resolve: (s: string) => ({ [long]: short === 'GetAtt' ? s.split('.') : s }),
  } satisfies ScalarTag,
  {
    tag: `!${short}`,
    collection: 'seq',
    resolve: (v: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [long]: v.toJSON() }),
  } satisfies CollectionTag,
  {
    tag: `!${short}`,
    collection: 'map',
    resolve: (v: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [long]: v.toJSON() }),
  } satisfies CollectionTag,
]);

export interface LedgerTableDeclaration {
  AttributeDefinitions: NonNullable<CreateTableCommandInput['AttributeDefinitions']>;
  KeySchema: NonNullable<CreateTableCommandInput['KeySchema']>;
  GlobalSecondaryIndexes?: CreateTableCommandInput['GlobalSecondaryIndexes'];
  BillingMode?: CreateTableCommandInput['BillingMode'];
  TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
  [k: string]: unknown;
}

/** `resources.Resources.LedgerTable.Properties` from serverless.yml. */
export function ledgerTableDeclaration(file = resolve(root, 'serverless.yml')): LedgerTableDeclaration {
  const doc = parse(readFileSync(file, 'utf8'), { customTags: cfnTags }) as {
    resources?: { Resources?: Record<string, { Type?: string; Properties?: LedgerTableDeclaration }> };
  };
  const table = doc.resources?.Resources?.LedgerTable;
  if (table?.Type !== 'AWS::DynamoDB::Table' || !table.Properties)
    throw new Error('serverless.yml declares no LedgerTable');
  return table.Properties;
}

export interface StartedLedger {
  client: DynamoDBDocumentClient;
  raw: DynamoDBClient;
  tableName: string;
  endpoint: string;
  ledger: LedgerStore;
  close(): Promise<void>;
}

/** Starts dynalite, creates the ledger table as declared, and returns the adapter over it. */
export async function startLedger(
  options: Partial<Omit<LedgerOptions, 'tableName'>> = {},
): Promise<StartedLedger> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const raw = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const tableName = `ledger-test-${randomUUID().slice(0, 8)}`;
  const d = ledgerTableDeclaration();
  await raw.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: d.AttributeDefinitions,
      KeySchema: d.KeySchema,
      GlobalSecondaryIndexes: d.GlobalSecondaryIndexes,
      BillingMode: d.BillingMode,
    }),
  );
  const client = ledgerDocumentClient(raw);
  const ledger = dynamoLedger(client, { tableName, ...options });
  return {
    client,
    raw,
    tableName,
    endpoint,
    ledger,
    async close() {
      raw.destroy();
      await new Promise<void>((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      });
    },
  };
}
