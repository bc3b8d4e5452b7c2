/**
 * Mode `approve` on a rehearsed day (docs/approvals.md): with nobody approving, each finding is held
 * for approval, then ended by the reconcile sweep as `skipped: approval-timeout`, announced, with
 * nothing started: excused by convergence, nothing dropped or doubled.
 */
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { passed } from '../../sandbox/scenario/report.ts';
import { runScenario } from '../../sandbox/scenario/run.ts';
import { findProjectRoot, loadScenario } from '../../sandbox/scenario/schema.ts';

it('approvals nobody answers time out, announced, nothing started, nothing dropped', async () => {
  const r = await runScenario({
    scenario: loadScenario(join(import.meta.dirname, 'fixtures/approvals.yaml')),
    projectRoot: findProjectRoot(),
    templateDir: inject('packagedDir'),
  });
  if (process.env['APPROVAL_FIGURES'])
    console.log(
      JSON.stringify({ byCode: r.outcomes.byCode, convergence: { ...r.convergence, items: [] }, sns: r.sns }),
    );
  expect(r.outcomes.byCode['approval']).toBe(3);
  expect(r.outcomes.byCode['approval-timeout']).toBe(3);
  expect(r.executions.started).toBe(0);
  expect(r.convergence.items.filter((i) => i.state === 'dropped')).toEqual([]);
  expect(r.convergence).toMatchObject({ findings: 3, excused: 3, dropped: 0, pending: 0 });
  expect(r.convergence.excusedBy).toEqual({ 'approval-timeout': 3 });
  expect(r.unfinished).toBe(0);
  expect(r.duplicateExecutions).toBe(0);
  expect(r.iam.denied).toBe(0);
  expect(passed(r)).toBe(true);
}, 300_000);
