/**
 * Fail closed by default (issue 12 item 5): any remediation can be put in auto from Parameter Store,
 * so one with no change calendar (none of its own, none on the stage, not exempt) is never acted on,
 * and packaging a stage where that could happen stops, naming the remediations.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { derive, loadRemediations } from '../../scripts/derive.ts';
import { runFanout } from '../../src/core/fanout.ts';
import { DEFAULT_LIMITS, evaluateGates } from '../../src/core/gates.ts';
import { defineRemediation } from '../../src/core/remediation.ts';
import { parseFinding } from '../../src/events/finding.ts';
import restrictedSsh from '../../src/runbooks/restricted-ssh.ts';
import agentTroubleshoot from '../../src/runbooks/agent-troubleshoot.ts';
import { startLedger, type StartedLedger } from '../helpers/dynalite.ts';
import { exampleEvent } from '../helpers/events.ts';
import { failureRecord, instanceId, world } from '../patch/world.ts';

type PluginCtor = {
  prototype: { failClosedCalendars(this: unknown, derived: unknown): void };
};
const Plugin = createRequire(import.meta.url)('../../serverless/remediator-plugin.cjs') as PluginCtor;
const pluginFor = (defaultCalendars: string) => ({
  serverless: {
    service: { provider: { stage: 'prod', environment: { DEFAULT_CALENDARS: defaultCalendars } } },
  },
});

describe('the calendar gate', () => {
  const finding = parseFinding(exampleEvent('config-rules-compliance-change-noncompliant'));
  const facts = (calendar: { state: 'OPEN'; calendars: string[]; unset?: true }) => ({
    now: '2026-01-15T12:00:00Z',
    killSwitch: false,
    mode: 'auto' as const,
    tags: {},
    calendar,
  });
  test('no calendar applies and none is required by exemption: skipped, code no-calendar', () => {
    const d = evaluateGates({
      remediation: restrictedSsh,
      finding,
      facts: facts({ state: 'OPEN', calendars: [], unset: true }),
      guards: { recentRuns: 0, startedLastHour: 0, breakerOpen: false },
      limits: DEFAULT_LIMITS,
    });
    expect(d.at(-1)).toMatchObject({
      gate: 'calendar',
      pass: false,
      outcome: 'skipped',
      code: 'no-calendar',
    });
  });
  test('an OPEN calendar passes', () => {
    const d = evaluateGates({
      remediation: restrictedSsh,
      finding,
      facts: facts({ state: 'OPEN', calendars: ['prod-change-freeze'] }),
      guards: { recentRuns: 0, startedLastHour: 0, breakerOpen: false },
      limits: DEFAULT_LIMITS,
    });
    expect(d.every((g) => g.pass)).toBe(true);
  });
});

describe('the engine, in auto, on a stage with no default calendar', () => {
  let ledger: StartedLedger;
  beforeAll(async () => {
    ledger = await startLedger();
  });
  afterAll(async () => ledger?.close());

  test('the patch remediation (no calendar of its own) sends nothing: skipped no-calendar', async () => {
    const w = world(ledger, { mode: 'auto' });
    w.ping.set(instanceId(7000), 'Online');
    w.deps.config = { ...w.deps.config, defaultCalendars: [] };
    const r = await runFanout([failureRecord(7000)], w.deps);
    expect(w.sendCalls()).toHaveLength(0);
    expect(r.outcomes.map((o) => [o.outcome, o.code])).toEqual([['skipped', 'no-calendar']]);
  });

  test('with the stage’s default calendar it sends', async () => {
    const w = world(ledger, { mode: 'auto' });
    w.ping.set(instanceId(7001), 'Online');
    const r = await runFanout([failureRecord(7001)], w.deps);
    expect(w.sendCalls()).toHaveLength(1);
    expect(r.outcomes.map((o) => o.outcome)).toEqual(['started']);
  });
});

describe('packaging', () => {
  test('a stage with no defaultCalendars stops, naming every remediation that relies on it', async () => {
    const derived = derive(await loadRemediations());
    expect(derived.uncalendared).toContain('restricted-ssh');
    // Exempt with a reason: not named.
    expect(derived.uncalendared).not.toContain(agentTroubleshoot.id);
    expect(() => Plugin.prototype.failClosedCalendars.call(pluginFor(''), derived)).toThrow(
      new RegExp(`stage prod has no defaultCalendars.*${derived.uncalendared.join(', ')}`),
    );
    expect(() =>
      Plugin.prototype.failClosedCalendars.call(pluginFor('prod-change-freeze'), derived),
    ).not.toThrow();
  });

  test('calendars: [] without a calendarExemption is refused', () => {
    const { calendarExemption: _reason, ...rest } = agentTroubleshoot;
    const r = defineRemediation({ ...rest, calendars: [] });
    expect(() => derive([{ file: 'x.ts', remediation: r }])).toThrow(/calendars: \[\].*calendarExemption/);
  });
});
