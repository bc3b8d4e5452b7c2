/**
 * The per-container read caches that keep a storm's calls per finding down: Change Calendar state (never
 * past its next transition), resource tags, and the guards' account-wide ledger reads. Each is reused
 * only within its window, and a failed read is never kept (fail closed: the next call reads again).
 */
import { GetCalendarStateCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { QueryCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ssmCalendar } from '../../src/adapters/calendar-ssm.ts';
import { dynamoLedger } from '../../src/adapters/ledger-dynamodb.ts';
import { taggingApiTags } from '../../src/adapters/tags-tagging-api.ts';
import { startLedger, type StartedLedger } from '../helpers/dynalite.ts';

const creds = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
let t = Date.parse('2026-01-05T08:00:00Z');
const now = () => t;

describe('Change Calendar state cache', () => {
  const client = new SSMClient(creds);
  const ssm = mockClient(client);
  beforeEach(() => ssm.reset());

  test('reused within its window, never past the next transition, and a failure is not kept', async () => {
    ssm
      .on(GetCalendarStateCommand)
      .resolves({ State: 'OPEN', NextTransitionTime: new Date(t + 10_000).toISOString() });
    const cal = ssmCalendar(client, { cacheSeconds: 30, now });
    expect((await cal.state(['freeze'])).state).toBe('OPEN');
    t += 5_000;
    expect((await cal.state(['freeze'])).state).toBe('OPEN');
    expect(ssm.commandCalls(GetCalendarStateCommand)).toHaveLength(1);
    // The freeze starts at the transition, 20 s before the cache window would end: read again.
    t += 5_000;
    ssm.on(GetCalendarStateCommand).resolves({ State: 'CLOSED' });
    expect((await cal.state(['freeze'])).state).toBe('CLOSED');
    expect(ssm.commandCalls(GetCalendarStateCommand)).toHaveLength(2);
    // Another set of calendars is its own entry.
    ssm.on(GetCalendarStateCommand).rejects(new Error('boom'));
    await expect(cal.state(['other'])).rejects.toThrow('boom');
    await expect(cal.state(['other'])).rejects.toThrow('boom');
    expect(ssm.commandCalls(GetCalendarStateCommand)).toHaveLength(4);
  });

  test('without a cache every call reads', async () => {
    ssm.on(GetCalendarStateCommand).resolves({ State: 'OPEN' });
    const cal = ssmCalendar(client);
    await cal.state(['a']);
    await cal.state(['a']);
    expect(ssm.commandCalls(GetCalendarStateCommand)).toHaveLength(2);
  });
});

describe('resource tags cache', () => {
  const client = new ResourceGroupsTaggingAPIClient(creds);
  const tagging = mockClient(client);
  beforeEach(() => tagging.reset());
  const sg = (id: string) => ({
    resourceType: 'AWS::EC2::SecurityGroup',
    resourceId: id,
    account: '123456789012',
    region: 'us-east-1',
  });

  test('one read per resource within the window; a tag added later is seen after it', async () => {
    tagging
      .on(GetResourcesCommand)
      .resolves({ ResourceTagMappingList: [{ Tags: [{ Key: 'a', Value: '1' }] }] });
    const tags = taggingApiTags(client, { cacheSeconds: 30, now });
    expect(await tags.tagsFor(sg('sg-01'))).toEqual({ a: '1' });
    expect(await tags.tagsFor(sg('sg-01'))).toEqual({ a: '1' });
    expect(await tags.tagsFor(sg('sg-02'))).toEqual({ a: '1' });
    expect(tagging.commandCalls(GetResourcesCommand)).toHaveLength(2);
    tagging.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [{ Tags: [{ Key: 'ssm-remediator:opt-out', Value: 'true' }] }],
    });
    t += 31_000;
    expect(await tags.tagsFor(sg('sg-01'))).toEqual({ 'ssm-remediator:opt-out': 'true' });
    expect(tagging.commandCalls(GetResourcesCommand)).toHaveLength(3);
  });

  test('a failed read is not kept', async () => {
    tagging
      .on(GetResourcesCommand)
      .rejectsOnce(new Error('throttled'))
      .resolves({ ResourceTagMappingList: [] });
    const tags = taggingApiTags(client, { cacheSeconds: 30, now });
    await expect(tags.tagsFor(sg('sg-03'))).rejects.toThrow('throttled');
    expect(await tags.tagsFor(sg('sg-03'))).toEqual({});
  });
});

describe('guards: account-wide reads cached, per-resource reads never', () => {
  let ledger: StartedLedger;
  beforeAll(async () => {
    ledger = await startLedger();
  });
  afterAll(async () => ledger?.close());

  test('budget and breaker read once per window; the loop guard reads every time', async () => {
    const sent: string[] = [];
    const spy = {
      send: (cmd: { input: Record<string, unknown> }) => {
        const input = cmd.input as {
          KeyConditionExpression?: string;
          ExpressionAttributeValues?: Record<string, string>;
          Key?: { pk: string };
        };
        const pk = input.ExpressionAttributeValues?.[':pk'] ?? input.Key?.pk ?? '?';
        sent.push(
          `${cmd instanceof QueryCommand ? 'Query' : cmd instanceof GetCommand ? 'Get' : 'Other'} ${pk.split('#')[0]}`,
        );
        return ledger.client.send(cmd as never);
      },
    } as unknown as typeof ledger.client;
    const store = dynamoLedger(spy, { tableName: ledger.tableName, guardCacheSeconds: 10, now });
    const at = () => new Date(t);
    await store.guards('restricted-ssh', 'sg-1', at());
    const first = sent.length;
    expect(sent).toEqual(
      expect.arrayContaining(['Query CLAIM', 'Query STARTED', 'Get BREAKER', 'Query DONE']),
    );
    sent.length = 0;
    await store.guards('restricted-ssh', 'sg-2', at());
    expect(sent).toEqual(['Query CLAIM']);
    // Another remediation has its own breaker.
    sent.length = 0;
    await store.guards('s3-bucket-versioning-enabled', 'b-1', at());
    expect(sent.sort()).toEqual(['Get BREAKER', 'Query CLAIM', 'Query DONE']);
    // After the window, all of it again.
    t += 10_000;
    sent.length = 0;
    await store.guards('restricted-ssh', 'sg-1', at());
    expect(sent).toHaveLength(first);
  });
});
