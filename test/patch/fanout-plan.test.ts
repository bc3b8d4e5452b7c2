/** The pure planner: decided findings in, SendCommand groups of at most 50 instances out. */
import entries from 'virtual:runbooks';
import { describe, expect, test } from 'vitest';
import { decide } from '../../src/core/decide.ts';
import { DEFAULT_LIMITS } from '../../src/core/gates.ts';
import { chunk, fanoutNotification, planFanout, type FanoutCandidate } from '../../src/core/fanout.ts';
import { parseFinding } from '../../src/events/finding.ts';
import { createRegistry } from '../../src/core/registry.ts';
import type { Facts, Outcome } from '../../src/model/types.ts';
import { patchCommandFailedEvent } from '../../src/runbooks/_instance-examples.ts';
import { eventId, instanceId } from './world.ts';

const registry = createRegistry(entries);
const patch = registry.get('patch-baseline-install')!;

function candidate(n: number, settings: Record<string, string> = {}, ping = 'Online'): FanoutCandidate {
  const finding = parseFinding(
    patchCommandFailedEvent(
      instanceId(n),
      'Failed',
      `2025-03-04T03:00:${String(n % 60).padStart(2, '0')}Z`,
      eventId(n),
    ),
  );
  const facts: Facts = {
    now: '2025-03-04T04:00:00Z',
    killSwitch: false,
    mode: 'auto',
    tags: {},
    calendar: { state: 'OPEN', calendars: [] },
    instances: { [finding.resourceId]: { instanceId: finding.resourceId, pingStatus: ping as 'Online' } },
  };
  const decision = decide(
    {
      remediation: patch,
      finding,
      facts,
      guards: { recentRuns: 0, startedLastHour: 0, breakerOpen: false },
      limits: DEFAULT_LIMITS,
    },
    { settings: { ...patch.settings, ...settings } },
  );
  return { recordId: `r${n}`, finding, remediation: patch, decision };
}

describe('planFanout', () => {
  test('300 failures for one document become ceil(300/50) = 6 SendCommand groups', () => {
    const plan = planFanout(Array.from({ length: 300 }, (_, i) => candidate(i)));
    expect(plan.commands).toHaveLength(6);
    expect(plan.individual).toEqual([]);
    for (const c of plan.commands) {
      expect(c.instanceIds.length).toBeLessThanOrEqual(50);
      expect(c.document).toBe('AWS-RunPatchBaseline');
      expect(c.parameters).toEqual({ Operation: ['Install'], RebootOption: ['NoReboot'] });
      expect([c.maxConcurrency, c.maxErrors, c.timeoutSeconds]).toEqual(['10%', '50%', 600]);
    }
    const all = plan.commands.flatMap((c) => c.instanceIds);
    expect(new Set(all).size).toBe(300);
  });

  test('different parameters never share a command', () => {
    const plan = planFanout([
      ...Array.from({ length: 60 }, (_, i) => candidate(i)),
      ...Array.from({ length: 10 }, (_, i) => candidate(100 + i, { RebootOption: 'RebootIfNeeded' })),
    ]);
    expect(plan.commands.map((c) => [c.parameters.RebootOption![0], c.instanceIds.length])).toEqual([
      ['NoReboot', 50],
      ['NoReboot', 10],
      ['RebootIfNeeded', 10],
    ]);
  });

  test('two events for one instance share its single InstanceIds entry (SendCommand rejects duplicates)', () => {
    const a = candidate(7);
    const b = { ...candidate(7), recordId: 'other' };
    const plan = planFanout([a, b]);
    expect(plan.commands).toHaveLength(1);
    expect(plan.commands[0]!.instanceIds).toEqual([instanceId(7)]);
    expect(plan.commands[0]!.members.map((m) => m.recordId)).toEqual(['r7', 'other']);
  });

  test('a decision that is not one Run Command on its own instance is left to the engine', () => {
    const offline = candidate(1, {}, 'ConnectionLost');
    expect(offline.decision.outcome.code).toBe('agent-offline');
    const plan = planFanout([offline]);
    expect(plan.commands).toEqual([]);
    expect(plan.individual).toHaveLength(1);
  });

  test('chunk cuts at the limit', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(() => chunk([1], 0)).toThrow();
  });
});

describe('fanoutNotification', () => {
  test('one message with every outcome; the headline is the most severe', () => {
    const o = (outcome: 'started' | 'failed' | 'skipped', code?: 'agent-offline' | 'duplicate'): Outcome =>
      ({
        eventId: 'e',
        outcome,
        ...(code ? { code } : {}),
        reason: 'r',
        actions: [],
        at: 'now',
      }) as Outcome;
    const n = fanoutNotification(
      [o('started'), o('failed'), o('skipped', 'agent-offline'), o('skipped', 'duplicate')],
      [],
      'now',
    )!;
    expect(n.outcome.outcome).toBe('failed');
    // Duplicates are not news.
    expect(n.outcomes).toHaveLength(3);
    expect(n.outcome.reason).toContain('1 skipped (agent-offline)');
    expect(fanoutNotification([o('skipped', 'duplicate')], [], 'now')).toBeUndefined();
  });
});
