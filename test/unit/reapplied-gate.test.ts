/** The `reapplied` gate: an association is re-applied once; a failure after the re-apply is escalated. */
import { expect, test } from 'vitest';
import { DEFAULT_LIMITS, evaluateGates, type GateInput } from '../../src/core/gates.ts';
import { tripOf } from '../../src/core/ledger-guards.ts';
import { parseFinding } from '../../src/events/finding.ts';
import reapply from '../../src/runbooks/association-reapply.ts';
import { exampleEvent } from '../helpers/events.ts';

// Both events of one failed run (at 03:30:05Z).
const stateChange = parseFinding(exampleEvent('ssm-instance-association-state-change-failed'));
const compliance = parseFinding(exampleEvent('ssm-configuration-compliance-association-noncompliant'));

function input(f = stateChange, lastRunAt?: string): GateInput {
  return {
    remediation: reapply,
    finding: f,
    facts: {
      now: '2025-03-04T04:00:00Z',
      killSwitch: false,
      mode: 'auto',
      tags: {},
      calendar: { state: 'OPEN', calendars: ['prod'] },
    },
    guards: {
      recentRuns: lastRunAt ? 1 : 0,
      startedLastHour: 0,
      breakerOpen: false,
      ...(lastRunAt ? { lastRunAt } : {}),
    },
    limits: DEFAULT_LIMITS,
  };
}
const stop = (i: GateInput) => evaluateGates(i).find((g) => !g.pass);

test('not re-applied yet: passes', () => {
  expect(evaluateGates(input()).find((g) => g.gate === 'reapplied')?.pass).toBe(true);
  expect(stop(input())).toBeUndefined();
});

test.each([
  ['the state change', stateChange],
  ['the compliance change', compliance],
])('%s of the run already re-applied: skipped duplicate (not escalated)', (_n, f) => {
  expect(stop(input(f, '2025-03-04T03:31:10.000Z'))).toMatchObject({
    gate: 'reapplied',
    outcome: 'skipped',
    code: 'duplicate',
  });
});

test('a run after the re-apply failed: escalated (failed-again), announced once per trip', () => {
  const g = stop(input(stateChange, '2025-03-04T03:00:00.000Z'));
  expect(g).toMatchObject({ gate: 'reapplied', outcome: 'skipped', code: 'failed-again' });
  expect(g!.reason).toContain('failed again');
  expect(
    tripOf({
      eventId: 'e',
      outcome: 'skipped',
      code: 'failed-again',
      remediation: 'association-reapply',
      resourceId: stateChange.resourceId,
      reason: g!.reason,
      actions: [],
      at: '2025-03-04T04:00:00Z',
    }),
  ).toEqual({ kind: 'cooldown', scope: `association-reapply#${stateChange.resourceId}` });
});

test('other families never stop at this gate', () => {
  const f = parseFinding(exampleEvent('ssm-configuration-compliance-patch-noncompliant'));
  expect(evaluateGates(input(f, '2025-03-04T03:00:00.000Z')).find((g) => g.gate === 'reapplied')?.pass).toBe(
    true,
  );
});
