import { afterEach, describe, expect, it } from 'vitest';
import { handleEvent } from '../../src/core/engine.ts';
import { historyCommand } from '../../src/cli/history.ts';
import { ledgerTableDeclaration } from '../helpers/dynalite.ts';
import { configEvent, SG, world, type World } from './world.ts';

let w: World;
afterEach(async () => w?.close());

function run(args: string[], env: NodeJS.ProcessEnv) {
  const lines: string[] = [];
  const errors: string[] = [];
  return historyCommand(args, { out: (s) => lines.push(s), err: (s) => errors.push(s), env }).then(
    (code) => ({
      code,
      lines,
      errors,
    }),
  );
}

describe('history', () => {
  it('the test table is the one serverless.yml declares, and the adapter writes its TTL attribute', () => {
    const d = ledgerTableDeclaration();
    expect(d.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(d.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(['gsi1', 'gsi2']);
    expect(d.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
  });

  it('every outcome is kept with a TTL of 90 days, queryable by resource and by remediation', async () => {
    w = await world();
    await handleEvent(configEvent({ id: 'e1' }), w.deps);
    w.clock.advance(1);
    await handleEvent(configEvent({ id: 'e1' }), w.deps);
    const byResource = await w.started.ledger.history({ resourceId: SG });
    expect(byResource.map((o) => o.outcome)).toEqual(['skipped', 'started']);
    const byRemediation = await w.started.ledger.history({ remediationId: 'restricted-ssh' });
    expect(byRemediation).toHaveLength(2);
    const { Items } = await w.started.client.send(
      new (await import('@aws-sdk/lib-dynamodb')).QueryCommand({
        TableName: w.started.tableName,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': `OUT#${SG}` },
      }),
    );
    const ttl = Number(Items![0]!.ttl);
    const at = Date.parse(String(Items![0]!.at)) / 1000;
    expect(Math.round((ttl - at) / 86400)).toBe(90);
  });

  it('`remediator history --resource <id>` prints the outcomes newest first through the real client', async () => {
    w = await world();
    await handleEvent(configEvent({ id: 'e1' }), w.deps);
    w.clock.advance(1);
    await handleEvent(configEvent({ id: 'e1' }), w.deps);
    const env = {
      LEDGER_TABLE: w.started.tableName,
      AWS_ENDPOINT_URL: w.started.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    const { code, lines } = await run(['--resource', SG], env);
    expect(code).toBe(0);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('skipped/duplicate');
    expect(lines[2]).toContain('started');
    expect(lines[2]).toContain('restricted-ssh');

    const json = await run(['--resource', SG, '--json', '--limit', '1'], env);
    expect(json.lines.map((l) => JSON.parse(l).code)).toEqual(['duplicate']);

    expect((await run(['--resource', 'sg-none'], env)).lines[0]).toContain('no outcomes recorded');
    expect((await run([], env)).code).toBe(2);
    // No table named: looked up at the endpoint by name; this one holds only `ledger-test-…`.
    const none = await run(['--resource', SG], { ...env, LEDGER_TABLE: '' });
    expect(none.code).toBe(1);
    expect(none.errors[0]).toMatch(
      /no ledger table \(ssm-remediator-<stage>-ledger\) among \d+ table\(s\): .*ledger-test-/,
    );
    expect((await run(['--resource', SG], { ...env, LEDGER_TABLE: 'no-such-table' })).code).toBe(1);
  });
});
