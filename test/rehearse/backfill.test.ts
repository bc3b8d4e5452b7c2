/**
 * Issue 14 item 5: what was NON_COMPLIANT before the deployment. Config never announces those
 * resources again, so without backfill the day ends with them dropped; with `backfillPerRun` the
 * reconcile sweeps find them (GetComplianceDetailsByConfigRule) and fix them through the same gates,
 * at most that many per sweep.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { SandboxAccount } from '../../sandbox/account.ts';
import { passed } from '../../sandbox/scenario/report.ts';
import { runScenario } from '../../sandbox/scenario/run.ts';
import { findProjectRoot, loadScenario } from '../../sandbox/scenario/schema.ts';

const root = findProjectRoot();
let templateDir: string;
beforeAll(() => {
  templateDir = inject('packagedDir');
});

const scenario = (perRun: string) => {
  const s = loadScenario(join(import.meta.dirname, 'fixtures', 'preexisting.yaml'));
  return { ...s, params: { ...s.params, backfillPerRun: perRun } };
};

describe('backfill: resources non-compliant before the deployment', () => {
  it('are fixed by the scheduled backfill, at most backfillPerRun per sweep, none twice', async () => {
    let starts: Date[] = [];
    let backfilled = 0;
    const r = await runScenario({
      scenario: scenario('5'),
      projectRoot: root,
      templateDir,
      inspect: (acct: SandboxAccount) => {
        starts = acct.ssm.listAutomationExecutions().map((x) => x.ExecutionStartTime!);
        backfilled = acct.logs
          .json('reconcile')
          .filter(
            (l) => l['message'] === 'decision' && String(l['findingEventId']).startsWith('backfill-'),
          ).length;
      },
    });
    expect(r.convergence.preexisting).toEqual({ findings: 8, fixed: 8, excused: 0, pending: 0, dropped: 0 });
    expect(r.convergence).toMatchObject({ findings: 9, fixed: 9, dropped: 0 });
    expect(r.duplicateExecutions).toBe(0);
    expect(r.executions.started).toBe(9);
    expect(backfilled).toBe(8);
    // Paced: no sweep started more than 5 (plus the day's own finding), so it took two sweeps.
    const bySweep = new Map<number, number>();
    for (const t of starts) {
      const k = Math.floor(t.getTime() / 900_000);
      bySweep.set(k, (bySweep.get(k) ?? 0) + 1);
    }
    expect(Math.max(...bySweep.values())).toBeLessThanOrEqual(6);
    expect(bySweep.size).toBeGreaterThanOrEqual(2);
    expect(passed(r)).toBe(true);
  }, 180_000);

  it('without backfill (backfillPerRun 0) the same day fails: they are dropped', async () => {
    const r = await runScenario({ scenario: scenario('0'), projectRoot: root, templateDir });
    expect(r.convergence.preexisting).toMatchObject({ findings: 8, fixed: 0, dropped: 8 });
    expect(passed(r)).toBe(false);
  }, 180_000);
});
