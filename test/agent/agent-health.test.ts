/** Pure agent-health logic: classification, debounce steps, the sweep plan. */
import { describe, expect, test } from 'vitest';
import { classify, debounceStep, disconnectedDetail, planSweep } from '../../src/core/agent-health.ts';
import { agentDisconnected } from '../../src/events/agent.ts';

const now = new Date('2025-03-04T12:15:00Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();

describe('classify', () => {
  test('ConnectionLost is unhealthy', () => {
    expect(classify({ instanceId: 'i-1', pingStatus: 'ConnectionLost' }, now, 15)).toEqual({
      healthy: false,
      reason: 'connection-lost',
    });
  });
  test('Online with a ping older than AGENT_STALE_MINUTES is stale', () => {
    expect(
      classify({ instanceId: 'i-1', pingStatus: 'Online', lastPingDateTime: minutesAgo(16) }, now, 15),
    ).toEqual({
      healthy: false,
      reason: 'stale-ping',
    });
    expect(
      classify({ instanceId: 'i-1', pingStatus: 'Online', lastPingDateTime: minutesAgo(4) }, now, 15),
    ).toEqual({
      healthy: true,
    });
  });
  test('Inactive (deprecated) and unknown statuses change nothing', () => {
    expect(classify({ instanceId: 'i-1', pingStatus: 'Inactive' }, now, 15)).toEqual({ healthy: 'unknown' });
  });
});

test('debounce: only the sweep that reaches N announces', () => {
  expect([1, 2, 3, 4, 5].map((n) => debounceStep(n, 3))).toEqual([
    'suspect',
    'suspect',
    'disconnected',
    'still-disconnected',
    'still-disconnected',
  ]);
});

test('planSweep: bump failing, clear reconnected (recovered only if announced) and vanished instances', () => {
  const plan = planSweep(
    [
      { instanceId: 'i-lost', pingStatus: 'ConnectionLost' },
      { instanceId: 'i-back', pingStatus: 'Online', lastPingDateTime: minutesAgo(1) },
      { instanceId: 'i-blip', pingStatus: 'Online', lastPingDateTime: minutesAgo(1) },
      { instanceId: 'i-fine', pingStatus: 'Online', lastPingDateTime: minutesAgo(1) },
    ],
    { 'i-lost': 1, 'i-back': 4, 'i-blip': 1, 'i-gone': 5 },
    now,
    { staleMinutes: 15, debounceSweeps: 3 },
  );
  expect(plan.bump.map((b) => [b.instance.instanceId, b.reason])).toEqual([['i-lost', 'connection-lost']]);
  expect(plan.clear).toEqual([
    { instanceId: 'i-back', previous: 4, recovered: true },
    { instanceId: 'i-blip', previous: 1, recovered: false },
    { instanceId: 'i-gone', previous: 5, recovered: false },
  ]);
});

test('the published detail satisfies our own event schema', () => {
  const d = disconnectedDetail(
    {
      instanceId: 'i-0123456789abcdef0',
      pingStatus: 'Online',
      lastPingDateTime: minutesAgo(20),
      platformType: 'Linux',
    },
    'stale-ping',
    3,
    now,
  );
  expect(agentDisconnected.parse(d)).toEqual(d);
});
