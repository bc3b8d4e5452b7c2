/**
 * Issue 11's storm in `npm test`: 2,000 findings at once at SSM's real Automation quota (100 running,
 * 1,000 queued), the service's default share (50 open) and the default 15-minute sweep. Judged by the
 * convergence verdict (dropped 0, none doubled, none `failed: api-error`) and the quota bound.
 *
 * Its own file so vitest runs it beside test/rehearse/held.test.ts rather than after it: it is the
 * longest rehearsal in the suite (wall time in docs/performance.md "Storm"). 10,000: `npm run bench:storm`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { passed } from '../../sandbox/scenario/report.ts';
import { runScenario } from '../../sandbox/scenario/run.ts';
import { findProjectRoot, loadScenario } from '../../sandbox/scenario/schema.ts';

const FINDINGS = 2000;
/** The quota bound: findings × 2-minute runs ÷ 50 open (sim minutes). */
const BOUND = (FINDINGS * 2) / 50;

describe('storm (issue 11)', () => {
  it("a storm of 2,000 at SSM's real quota with admission: never more than the service's share, none refused, none doubled", async () => {
    // The fixture's own params (budget) are packaged with it.
    const r = await runScenario({
      scenario: loadScenario(join(import.meta.dirname, 'fixtures', 'storm-admission.yaml')),
      projectRoot: findProjectRoot(),
    });
    // When the executions ended (sim minutes from the start; the findings arrive at t+1m).
    const ends = (r.timeline?.rows ?? [])
      .flatMap((row) => row.marks)
      .filter((m) => m.kind === 'execution')
      .map((m) => (m.end ?? m.at) / 60_000);
    if (process.env['HELD_FIGURES'])
      console.log(
        `storm-admission: wall ${r.wall.seconds}s, sim ${r.sim.hours}h, peak ${r.executions.peakRunning}, last end t+${Math.max(...ends)}m, bound ${BOUND}m`,
      );
    // Held work starts as slots free (docs/quota-waits.md), with the default 15-minute sweep: at least
    // 90% of the quota bound, so all ended by t+1m + BOUND / 0.9.
    expect(ends).toHaveLength(FINDINGS);
    expect(Math.max(...ends)).toBeLessThan(1 + BOUND / 0.9);
    // Admission held the work over the share; SSM never had to refuse a start.
    expect(r.outcomes.byCode['admission']).toBeGreaterThan(FINDINGS - 100);
    expect(r.outcomes.byCode['transient-error']).toBeUndefined();
    expect(r.outcomes.byCode['api-error']).toBeUndefined();
    expect(r.executions.peakRunning).toBeLessThanOrEqual(50);
    expect(r.executions.peakRunning).toBeGreaterThanOrEqual(40);
    expect(r.executions.started).toBe(FINDINGS);
    expect(r.convergence.items.filter((i) => i.state === 'dropped')).toEqual([]);
    expect(r.convergence).toMatchObject({ findings: FINDINGS, fixed: FINDINGS, dropped: 0, pending: 0 });
    expect(r.unfinished).toBe(0);
    expect(r.duplicateExecutions).toBe(0);
    expect(passed(r)).toBe(true);
  }, 5_400_000);
});
