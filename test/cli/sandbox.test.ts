/**
 * `remediator sandbox` and `remediator history` against real sandboxes, through the real bin: a busy
 * port fails at once with the way out, and history finds the sandbox's ledger table from --endpoint.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SandboxAccount } from '../../sandbox/account.ts';
import { LEDGER_TABLE_NAME } from '../../src/cli/history.ts';
import { sandboxCommand } from '../../src/cli/sandbox.ts';
import { runCli, STACK_TRACE } from '../helpers/cli.ts';
import { configEvent, knownSecurityGroup, startTestAccount } from '../helpers/sandbox.ts';

/** The environment of a user who exported nothing: no table, no endpoint, no keys. */
const bareEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && k !== 'LEDGER_TABLE'),
);

test('sandbox on a busy port: one line naming the port and --port 0, exit 1 at once', async () => {
  const taken: Server = createServer();
  await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', ok));
  const port = (taken.address() as { port: number }).port;
  try {
    const r = await runCli(['sandbox', '--port', String(port)], { timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      `remediator sandbox: port ${port} is in use (another sandbox?): stop it, or pass --port N, or --port 0 for any free port`,
    ]);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    // Node's start and the CLI's import take most of it; well under a second on an idle machine.
    expect(r.ms).toBeLessThan(5_000);
  } finally {
    taken.close();
  }
});

test('without the dev dependency serverless (npm ci --omit=dev), sandbox says so in one line, exit 1', async () => {
  const bare = mkdtempSync(join(tmpdir(), 'no-dev-deps-'));
  const err: string[] = [];
  try {
    const code = await sandboxCommand(
      ['--port', '0'],
      { out: () => undefined, err: (s) => err.push(s), env: {} },
      {
        projectRoot: bare,
      },
    );
    expect(code).toBe(1);
    expect(err).toEqual([
      'remediator sandbox: packaging the service needs the dev dependency serverless (osls), which is not installed: run `npm ci`, or pass --template-dir DIR',
    ]);
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
});

describe('history --endpoint finds the ledger of a running sandbox', () => {
  let acct: SandboxAccount;
  const sg = 'sg-00000000000000b07';
  beforeAll(async () => {
    acct = await startTestAccount();
    knownSecurityGroup(acct, sg);
    acct.bus.put(configEvent(sg));
    await acct.bus.idle();
  }, 120_000);
  afterAll(async () => acct?.close());

  test('the deployed ledger table has the name history looks for', () => {
    const tables = Object.values(acct.deployed.tables).map((t) => t.name);
    expect(tables.filter((n) => LEDGER_TABLE_NAME.test(n))).toEqual(['ssm-remediator-sandbox-ledger']);
  });

  test('with no table named, history reads the one ledger table at the endpoint', async () => {
    const r = await runCli(['history', '--resource', sg, '--endpoint', acct.url], { env: bareEnv });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/started\s+restricted-ssh\s+sg-00000000000000b07/);
  });

  test('two ledger tables: exit 1 naming both and --table; --table picks one', async () => {
    const client = new DynamoDBClient({
      endpoint: acct.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await client.send(
      new CreateTableCommand({
        TableName: 'ssm-remediator-other-ledger',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    client.destroy();
    const r = await runCli(['history', '--resource', sg, '--endpoint', acct.url], { env: bareEnv });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `remediator history: ${acct.url}: 2 ledger tables (ssm-remediator-other-ledger, ssm-remediator-sandbox-ledger): pass --table NAME`,
    );
    const picked = await runCli(
      ['history', '--resource', sg, '--endpoint', acct.url, '--table', 'ssm-remediator-sandbox-ledger'],
      { env: bareEnv },
    );
    expect(picked.code).toBe(0);
    expect(picked.stdout).toContain('restricted-ssh');
  });
});
