import { describe, expect, test } from 'vitest';
import { DEFAULT_LIMITS, evaluateGates, parseOptOut, type GateInput } from '../../src/core/gates.ts';
import { parseFinding } from '../../src/events/finding.ts';
import restrictedSsh from '../../src/runbooks/restricted-ssh.ts';
import type { Facts, InstanceFact } from '../../src/model/types.ts';
import agentRestart from '../../src/runbooks/agent-restart.ts';
import { agentDisconnectedEvent } from '../../src/runbooks/_instance-examples.ts';
import { exampleEvent } from '../helpers/events.ts';

const finding = parseFinding(exampleEvent('config-rules-compliance-change-noncompliant'));
const NOW = '2026-01-15T12:00:00Z';

function input(facts: Partial<Facts> = {}, guards: Partial<GateInput['guards']> = {}): GateInput {
  return {
    remediation: restrictedSsh,
    finding,
    facts: {
      now: NOW,
      killSwitch: false,
      mode: 'auto',
      tags: {},
      calendar: { state: 'OPEN', calendars: ['prod'] },
      ...facts,
    },
    guards: { recentRuns: 0, startedLastHour: 0, breakerOpen: false, ...guards },
    limits: DEFAULT_LIMITS,
  };
}
const stop = (i: GateInput) => evaluateGates(i).find((g) => !g.pass);

describe('every gate, both ways', () => {
  test('all open: every gate passes', () => {
    const d = evaluateGates(input());
    expect(d.map((g) => g.gate)).toEqual([
      'kill-switch',
      'mode',
      'agent-state',
      'opt-out',
      'reapplied',
      'cooldown',
      'circuit-breaker',
      'budget',
      'calendar',
    ]);
    expect(d.every((g) => g.pass)).toBe(true);
  });
  test('kill switch on → skipped', () => {
    expect(stop(input({ killSwitch: true }))).toMatchObject({
      gate: 'kill-switch',
      outcome: 'skipped',
      code: 'kill-switch',
    });
  });
  test('mode off → skipped (disabled); shadow and auto pass the gate', () => {
    expect(stop(input({ mode: 'off' }))).toMatchObject({ gate: 'mode', code: 'disabled' });
    expect(stop(input({ mode: 'shadow' }))).toBeUndefined();
  });
  test('opt-out tag → skipped with the reason repeated', () => {
    const s = stop(input({ tags: { 'remediation:skip': 'vendor appliance, ticket OPS-12' } }));
    expect(s).toMatchObject({ gate: 'opt-out', outcome: 'skipped', code: 'opted-out' });
    expect(s?.reason).toContain('vendor appliance, ticket OPS-12');
  });
  test('opt-out tag with a future expiry holds; a past one no longer does', () => {
    expect(stop(input({ tags: { 'remediation:skip': '2026-02-01 migration' } }))?.reason).toContain(
      'until 2026-02-01: migration',
    );
    const expired = evaluateGates(input({ tags: { 'remediation:skip': '2026-01-01 migration' } }));
    expect(expired.find((g) => g.gate === 'opt-out')).toMatchObject({ pass: true });
    expect(expired.find((g) => g.gate === 'opt-out')?.reason).toContain('expired');
  });
  test('cooldown: K runs in the window → skipped; fewer pass', () => {
    expect(stop(input({}, { recentRuns: 3 }))).toMatchObject({ gate: 'cooldown', code: 'cooldown' });
    expect(stop(input({}, { recentRuns: 2 }))).toBeUndefined();
  });
  test('circuit breaker open → skipped', () => {
    expect(stop(input({}, { breakerOpen: true, breakerReason: '3 of 5 failed' }))).toMatchObject({
      gate: 'circuit-breaker',
      code: 'circuit-open',
    });
  });
  test('budget spent → deferred (held, not dropped); one below passes', () => {
    expect(stop(input({}, { startedLastHour: DEFAULT_LIMITS.budgetPerHour }))).toMatchObject({
      gate: 'budget',
      outcome: 'deferred',
      code: 'budget',
    });
    expect(stop(input({}, { startedLastHour: DEFAULT_LIMITS.budgetPerHour - 1 }))).toBeUndefined();
  });
  test('calendar CLOSED → deferred carrying NextTransitionTime', () => {
    const s = stop(
      input({
        calendar: { state: 'CLOSED', calendars: ['prod'], nextTransitionTime: '2026-01-19T06:00:00Z' },
      }),
    );
    expect(s).toMatchObject({
      gate: 'calendar',
      outcome: 'deferred',
      nextTransitionTime: '2026-01-19T06:00:00Z',
    });
  });
  test('calendar CLOSED with whenClosed: skip → skipped', () => {
    const i = input({ calendar: { state: 'CLOSED', calendars: ['prod'] } });
    i.remediation = { ...restrictedSsh, whenClosed: 'skip' };
    expect(stop(i)).toMatchObject({ gate: 'calendar', outcome: 'skipped', code: 'calendar-closed' });
  });
  test('the first stopping gate wins and later gates are not reported', () => {
    const d = evaluateGates(input({ killSwitch: true, mode: 'off' }));
    expect(d).toHaveLength(1);
  });
});

describe('opt-out tag values', () => {
  const now = new Date(NOW);
  test.each([
    ['true', { active: true, reason: 'true' }],
    ['', { active: true, reason: 'no reason given' }],
    ['2026-12-31', { active: true, until: '2026-12-31', reason: 'no reason given' }],
    ['2025-12-31 legacy', { active: false, until: '2025-12-31', reason: 'legacy' }],
    [
      '2026-01-15T11:00:00Z: short window',
      { active: false, until: '2026-01-15T11:00:00Z', reason: 'short window' },
    ],
  ])('%j', (value, expected) => expect(parseOptOut(value, now)).toEqual(expected));
});

describe('agent-state gate: an agent.disconnected event is acted on only if SSM bears it out', () => {
  const I = 'i-0123456789abcdef0';
  const agentFinding = parseFinding(agentDisconnectedEvent(I, 'stale-ping'));
  const withSsm = (instance?: Partial<InstanceFact>): GateInput => ({
    ...input(instance ? { instances: { [I]: { instanceId: I, pingStatus: 'Online', ...instance } } } : {}),
    remediation: agentRestart,
    finding: agentFinding,
  });
  const minutesAgo = (m: number) => new Date(Date.parse(NOW) - m * 60_000).toISOString();

  test.each([
    ['Online, pinged 1 minute ago', { lastPingDateTime: minutesAgo(1) }],
    ['Online, pinged exactly at the threshold', { lastPingDateTime: minutesAgo(15) }],
    ['Online, last ping unknown', {}],
  ])('%s → skipped agent-online, whatever the event claims', (_name, instance) => {
    expect(stop(withSsm(instance))).toMatchObject({
      gate: 'agent-state',
      outcome: 'skipped',
      code: 'agent-online',
      reason: expect.stringContaining(`SSM reports the agent on ${I} Online`),
    });
  });

  test.each([
    ['Online, last ping older than the threshold', { lastPingDateTime: minutesAgo(16) }],
    ['ConnectionLost', { pingStatus: 'ConnectionLost' as const, lastPingDateTime: minutesAgo(1) }],
    ['Inactive', { pingStatus: 'Inactive' as const }],
    ['unknown to SSM', { pingStatus: 'Unknown' as const }],
  ])('%s → the gate passes', (_name, instance) => {
    const d = evaluateGates(withSsm(instance)).find((g) => g.gate === 'agent-state');
    expect(d?.pass).toBe(true);
  });

  test('the threshold is the stage’s AGENT_STALE_MINUTES', () => {
    const i = {
      ...withSsm({ lastPingDateTime: minutesAgo(10) }),
      limits: { ...DEFAULT_LIMITS, agentStaleMinutes: 5 },
    };
    expect(evaluateGates(i).find((g) => g.gate === 'agent-state')?.pass).toBe(true);
  });

  test('other families are not gated on agent state', () => {
    expect(evaluateGates(input()).find((g) => g.gate === 'agent-state')).toMatchObject({ pass: true });
  });
});
