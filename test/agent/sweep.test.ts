/**
 * The agent-health sweep over its ports: the real ledger counters (dynalite), DescribeInstanceInformation
 * and PutEvents through the real adapters over aws-sdk-client-mock.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeInstanceInformationCommand, SSMClient, type InstanceInformation } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ssmAgentInventory } from '../../src/adapters/agent-inventory-ssm.ts';
import { eventBridgePublisher } from '../../src/adapters/events-publisher.ts';
import { dynamoSweepCursor } from '../../src/adapters/sweep-cursor-dynamodb.ts';
import { COUNTER_SCOPE, sweepAgents, type AgentSweepDeps } from '../../src/core/agent-health.ts';
import { parseFinding } from '../../src/events/finding.ts';
import type { Notification } from '../../src/ports/index.ts';
import { startLedger, type StartedLedger } from '../helpers/dynalite.ts';

const creds = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
const ssmClient = new SSMClient(creds);
const ebClient = new EventBridgeClient(creds);
const ssm = mockClient(ssmClient);
const eb = mockClient(ebClient);

let ledger: StartedLedger;
beforeAll(async () => {
  ledger = await startLedger();
});
afterAll(async () => ledger?.close());

const id = (n: number) => `i-${n.toString(16).padStart(17, '0')}`;
let fleet: InstanceInformation[];
let clock: Date;
let notifications: Notification[];

/**
 * DescribeInstanceInformation over `fleet`, as SSM answers it: the PingStatus and InstanceIds filters
 * applied server-side, paged by MaxResults with an opaque NextToken (which names its filter set).
 */
function serveFleet() {
  ssm
    .on(DescribeInstanceInformationCommand)
    .callsFake(
      (input: { MaxResults?: number; NextToken?: string; Filters?: { Key: string; Values: string[] }[] }) => {
        const filters = input.Filters ?? [];
        const list = fleet.filter((i) =>
          filters.every((f) =>
            f.Key === 'PingStatus'
              ? f.Values.includes(i.PingStatus ?? '')
              : f.Key === 'InstanceIds'
                ? f.Values.includes(i.InstanceId ?? '')
                : false,
          ),
        );
        const scope = JSON.stringify(filters);
        const size = input.MaxResults ?? 10;
        let start = 0;
        if (input.NextToken) {
          const [s, at] = input.NextToken.split('|');
          if (s !== scope) throw Object.assign(new Error('bad token'), { name: 'InvalidNextToken' });
          start = Number(at);
        }
        const page = list.slice(start, start + size);
        const more = start + size < list.length;
        return {
          InstanceInformationList: page,
          ...(more ? { NextToken: `${scope}|${start + size}` } : { NextToken: '' }),
        };
      },
    );
}

/** PutEvents that accepts everything (each entry gets an EventId). */
function acceptAll() {
  eb.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((_, i) => ({ EventId: `ev-${i}` })),
  }));
}

function deps(): AgentSweepDeps {
  return {
    inventory: ssmAgentInventory(ssmClient, { sleep: async () => undefined }),
    counters: ledger.ledger,
    publisher: eventBridgePublisher(ebClient, 'default', { sleep: async () => undefined }),
    notifier: { notify: async (n) => void notifications.push(n) },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    now: () => clock,
    options: { staleMinutes: 15, debounceSweeps: 3 },
    account: '123456789012',
    region: 'us-east-1',
  };
}

const published = () =>
  eb
    .commandCalls(PutEventsCommand)
    .flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => JSON.parse(e.Detail!)));

async function resetCounters() {
  for (const k of Object.keys(await ledger.ledger.listCounters(COUNTER_SCOPE))) {
    await ledger.ledger.resetCounter(COUNTER_SCOPE, k);
  }
  // The cursor lives in the same partition: resetCounter('#cursor') above removed it too.
}

beforeEach(async () => {
  ssm.reset();
  eb.reset();
  notifications = [];
  clock = new Date('2025-03-04T12:00:00Z');
  await resetCounters();
  serveFleet();
  acceptAll();
});

const online = (n: number, pingMinutesAgo = 1): InstanceInformation => ({
  InstanceId: id(n),
  PingStatus: 'Online',
  LastPingDateTime: new Date(clock.getTime() - pingMinutesAgo * 60_000),
  PlatformType: 'Linux',
  ResourceType: 'EC2Instance',
});
const lost = (n: number): InstanceInformation => ({ ...online(n, 30), PingStatus: 'ConnectionLost' });

async function sweep() {
  const r = await sweepAgents(deps(), `sweep-${clock.toISOString()}`);
  clock = new Date(clock.getTime() + 5 * 60_000);
  return r;
}

describe('agent-health sweep', () => {
  test('a fleet that fits in one sweep is read in one walk (MaxResults 50, NextToken), and nothing else', async () => {
    fleet = Array.from({ length: 123 }, (_, n) => (n % 40 === 7 ? lost(n) : online(n)));
    const r = await sweep();
    expect(r.instances).toBe(123);
    expect(r.walk).toEqual({ pages: 3, done: true });
    const calls = ssm.commandCalls(DescribeInstanceInformationCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.Filters, c.MaxResults, c.NextToken?.split('|')[1]])).toEqual([
      [undefined, 50, undefined],
      [undefined, 50, '50'],
      [undefined, 50, '100'],
    ]);
    expect(r.suspects).toEqual([id(7), id(47), id(87)]);
  });

  test('a large fleet is walked a slice per sweep from a cursor in the ledger; counted agents are followed by id', async () => {
    fleet = Array.from({ length: 260 }, (_, n) => online(n));
    fleet[3] = lost(3);
    fleet[205] = online(205, 30); // stale, and only in the last slice
    const cursor = dynamoSweepCursor(ledger.client, ledger.tableName, COUNTER_SCOPE, () => clock.getTime());
    await cursor.put(undefined);
    const slice = async () => {
      const r = await sweepAgents(
        { ...deps(), cursor, options: { staleMinutes: 15, debounceSweeps: 3, pagesPerSweep: 2 } },
        'sweep',
      );
      clock = new Date(clock.getTime() + 5 * 60_000);
      return r;
    };
    const first = await slice();
    expect(first.walk).toEqual({ pages: 2, done: false });
    expect(first.suspects).toEqual([id(3)]);
    // Only a slice was read: the disconnected ones come from the server-side filter.
    expect(
      ssm.commandCalls(DescribeInstanceInformationCommand).map((c) => c.args[0].input.Filters?.[0]),
    ).toContainEqual({ Key: 'PingStatus', Values: ['ConnectionLost', 'Inactive'] });
    expect(await cursor.get()).toBeDefined();
    // The cursor is not a debounce count.
    expect(await ledger.ledger.listCounters(COUNTER_SCOPE)).toEqual({ [id(3)]: 1, '#cursor': 0 });
    const second = await slice();
    expect(second.walk).toEqual({ pages: 2, done: false });
    expect(second.suspects).toEqual([id(3)]);
    ssm.resetHistory();
    fleet[205] = online(205, 40);
    const third = await slice();
    expect(third.walk).toEqual({ pages: 2, done: true });
    expect(third.published).toEqual([id(3)]);
    expect(third.suspects).toEqual([id(205)]);
    expect(await cursor.get()).toBeUndefined();
    // Next sweep: 205 is counted, so it is read by id (not waiting for the walk to come round). The
    // others pinged a minute ago.
    fleet = fleet.map((i, n) => (n === 3 ? i : online(n, n === 205 ? 45 : 1)));
    ssm.resetHistory();
    const fourth = await slice();
    expect(fourth.suspects).toEqual([id(205)]);
    const byId = ssm
      .commandCalls(DescribeInstanceInformationCommand)
      .map((c) => c.args[0].input.Filters?.[0])
      .filter((f) => f?.Key === 'InstanceIds');
    expect(byId).toEqual([{ Key: 'InstanceIds', Values: [id(205)] }]);
    // An announced agent that stays down costs no write per sweep: its count stays at N.
    expect((await ledger.ledger.listCounters(COUNTER_SCOPE))[id(3)]).toBe(3);
  });

  test('a cursor SSM no longer accepts restarts the walk', async () => {
    fleet = Array.from({ length: 120 }, (_, n) => online(n));
    const cursor = dynamoSweepCursor(ledger.client, ledger.tableName, COUNTER_SCOPE, () => clock.getTime());
    await cursor.put('expired|50');
    const r = await sweepAgents(
      { ...deps(), cursor, options: { staleMinutes: 15, debounceSweeps: 3, pagesPerSweep: 5 } },
      'sweep',
    );
    expect(r.walk).toEqual({ pages: 3, done: true });
    expect(r.instances).toBe(120);
  });

  test('paced: DescribeInstanceInformation calls keep to the configured rate', async () => {
    fleet = Array.from({ length: 300 }, (_, n) => online(n));
    let t = 0;
    const waits: number[] = [];
    const inventory = ssmAgentInventory(ssmClient, {
      callsPerSecond: 4,
      now: () => t,
      sleep: async (ms) => {
        waits.push(ms);
        t += ms;
      },
    });
    await sweepAgents({ ...deps(), inventory }, 'sweep');
    const calls = ssm.commandCalls(DescribeInstanceInformationCommand).length;
    expect(calls).toBe(6); // the whole fleet, 6 pages
    expect(waits).toHaveLength(calls - 1);
    expect(t).toBeGreaterThanOrEqual((calls - 1) * 250);
  });

  test('debounce: nothing is published before N consecutive failing sweeps, exactly one event at N', async () => {
    fleet = [lost(1), online(2), online(3, 20)]; // 3 is Online but its ping is 20 min old: stale
    expect((await sweep()).published).toEqual([]);
    expect((await sweep()).published).toEqual([]);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
    const third = await sweep();
    expect(third.published).toEqual([id(1), id(3)]);
    expect((await sweep()).published).toEqual([]); // still disconnected: no second event
    const events = published();
    expect(events.map((d) => [d.instanceId, d.reason, d.consecutiveSweeps])).toEqual([
      [id(1), 'connection-lost', 3],
      [id(3), 'stale-ping', 3],
    ]);
    const entry = eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({
      Source: 'ssm-remediator',
      DetailType: 'SSM Agent Disconnected',
      EventBusName: 'default',
    });
    expect(entry.Resources).toEqual([`arn:aws:ec2:us-east-1:123456789012:instance/${id(1)}`]);
    // The engine accepts our own event as an agent.disconnected finding.
    const finding = parseFinding({
      version: '0',
      id: 'x',
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: '123456789012',
      time: clock.toISOString(),
      region: 'us-east-1',
      resources: entry.Resources,
      detail: JSON.parse(entry.Detail!),
    });
    expect(finding).toMatchObject({ family: 'agent.disconnected', resourceId: id(1) });
  });

  test('a failing sweep between failing sweeps resets the count (consecutive means consecutive)', async () => {
    fleet = [lost(1)];
    await sweep();
    await sweep();
    fleet = [online(1)];
    await sweep();
    fleet = [lost(1)];
    await sweep();
    await sweep();
    expect(published()).toEqual([]);
    expect((await sweep()).published).toEqual([id(1)]);
  });

  test('a reconnected instance clears its count and is announced once', async () => {
    fleet = [lost(1), lost(2)];
    await sweep();
    await sweep();
    await sweep(); // both announced
    fleet = [online(1), lost(2)];
    const back = await sweep();
    expect(back.recovered).toEqual([id(1)]);
    expect(notifications).toHaveLength(1);
    expect(notifications[0]!.outcome).toMatchObject({
      outcome: 'succeeded',
      resourceId: id(1),
      family: 'agent.disconnected',
    });
    expect(notifications[0]!.title).toBe('SSM Agent reconnected');
    // 2 stays down: announced at N, its count is not written again.
    expect(await ledger.ledger.listCounters(COUNTER_SCOPE)).toEqual({ [id(2)]: 3 });
    await sweep();
    expect(notifications).toHaveLength(1); // once
  });

  test('an instance that recovers before N clears silently; one that vanishes (stopped) clears silently', async () => {
    fleet = [lost(1), lost(2)];
    await sweep();
    fleet = [online(1)]; // 2 stopped: SSM no longer lists it
    const r = await sweep();
    expect(r.recovered).toEqual([]);
    expect(new Set(r.cleared)).toEqual(new Set([id(1), id(2)]));
    expect(notifications).toEqual([]);
    expect(await ledger.ledger.listCounters(COUNTER_SCOPE)).toEqual({});
  });

  test('PutEvents partial failure: only the failed entries are sent again', async () => {
    fleet = Array.from({ length: 12 }, (_, n) => lost(n));
    let call = 0;
    eb.on(PutEventsCommand).callsFake((input: { Entries: { Detail: string }[] }) => {
      call++;
      return {
        // First call: entries 2 and 5 fail; every later call succeeds.
        FailedEntryCount: call === 1 ? 2 : 0,
        Entries: input.Entries.map((_, i) =>
          call === 1 && (i === 2 || i === 5)
            ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }
            : { EventId: `ev-${call}-${i}` },
        ),
      };
    });
    await sweep();
    await sweep();
    const r = await sweep();
    expect(r.published).toHaveLength(12);
    expect(r.unpublished).toEqual([]);
    const calls = eb
      .commandCalls(PutEventsCommand)
      .map((c) => (c.args[0].input.Entries ?? []).map((e) => JSON.parse(e.Detail!).instanceId));
    // 12 entries: 10 + 2 per PutEvents; the retry carries exactly the two that failed.
    expect(calls.map((c) => c.length)).toEqual([10, 2, 2]);
    expect(calls[1]).toEqual([id(2), id(5)]);
  });

  test('entries that keep failing are not lost: the count steps back and the next sweep publishes', async () => {
    fleet = [lost(1)];
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    await sweep();
    await sweep();
    const r = await sweep();
    expect(r.unpublished).toEqual([id(1)]);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(4); // the first try and 3 bounded retries
    expect(await ledger.ledger.listCounters(COUNTER_SCOPE)).toEqual({ [id(1)]: 2 });
    acceptAll();
    expect((await sweep()).published).toEqual([id(1)]);
  });
});
