/**
 * Issue 11, "nothing is dropped": small days where a gate, SSM, the notifications, the budget or the
 * ledger itself fails, each judged by the convergence verdict (dropped 0, unfinished 0, no duplicate
 * execution), plus what shows the holding mechanism did the work.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { passed, type RehearsalReport } from '../../sandbox/scenario/report.ts';
import { runScenario } from '../../sandbox/scenario/run.ts';
import { findProjectRoot, loadScenario } from '../../sandbox/scenario/schema.ts';

const root = findProjectRoot();
let templateDir: string;

beforeAll(() => {
  templateDir = inject('packagedDir');
});

async function rehearse(fixture: string): Promise<RehearsalReport> {
  const scenario = loadScenario(join(import.meta.dirname, 'fixtures', fixture));
  const r = await runScenario({ scenario, projectRoot: root, templateDir });
  if (process.env['HELD_FIGURES'])
    console.log(
      `${fixture}: wall ${r.wall.seconds}s, sim ${r.sim.hours}h, executions ${r.executions.started}`,
      JSON.stringify({ ...r.convergence, items: r.convergence.items.slice(0, 5) }),
      JSON.stringify(r.outcomes.byCode),
      JSON.stringify(r.sns),
      `slack ${r.slack.count}`,
      JSON.stringify(r.apiCalls['ssm']?.byOperation),
      JSON.stringify(r.apiCalls['sns']?.byOperation),
      JSON.stringify(r.apiCalls['sqs']?.byOperation),
    );
  return r;
}

/** The verdict every day here must reach. */
function holds(r: RehearsalReport, findings: number): void {
  expect(r.convergence.items.filter((i) => i.state === 'dropped')).toEqual([]);
  expect(r.convergence).toMatchObject({ findings, fixed: findings, dropped: 0, pending: 0 });
  expect(r.unfinished).toBe(0);
  expect(r.duplicateExecutions).toBe(0);
  expect(passed(r)).toBe(true);
}

describe('nothing is dropped (issue 11)', () => {
  it('a gate that fails at release: tagging down for the hour after a freeze, every finding fixed', async () => {
    const r = await rehearse('gate-fails-at-release.yaml');
    expect(r.outcomes.byCode['calendar-closed']).toBeGreaterThan(0);
    expect(r.outcomes.byCode['gate-unreadable']).toBeGreaterThan(0);
    expect(r.executions.started).toBe(4);
    holds(r, 4);
  }, 120_000);
  it('SSM throttles 30% and answers 5xx 10% of its calls: every finding fixed, none started twice', async () => {
    const r = await rehearse('ssm-flaky.yaml');
    // The faults bit: SSM was asked to start more often than it started (the SDK's retries), and more
    // calendar reads than findings were needed.
    expect(r.apiCalls['ssm']?.byOperation['StartAutomationExecution']).toBeGreaterThan(12);
    expect(r.executions.started).toBe(12);
    holds(r, 12);
  }, 120_000);

  it('StartAutomationExecution takes effect but its response is lost: one execution per finding', async () => {
    const r = await rehearse('ssm-lost-response.yaml');
    // Starts were retried after lost answers; SSM returned the execution it had (same ClientToken).
    expect(r.apiCalls['ssm']?.byOperation['StartAutomationExecution']).toBeGreaterThan(6);
    expect(r.executions.started).toBe(6);
    expect(r.executions.byRemediation).toEqual({ 'restricted-ssh': 6 });
    holds(r, 6);
  }, 120_000);

  it('SNS and Slack down for an hour: every finding fixed; the outage hour notifications are lost', async () => {
    const r = await rehearse('notify-outage.yaml');
    expect(r.executions.started).toBe(8);
    holds(r, 8);
    // What happens to the notifications today (issue 11 wants them retried later; they are not): each
    // finding announces `started` and `succeeded`, 16 in all. Publish was tried again and again during
    // the outage (the SDK's retries), then given up; only the 3 findings handled after the outage
    // reached SNS and Slack. The 10 notifications of the outage hour are lost.
    expect(r.apiCalls['sns']?.byOperation['Publish']).toBeGreaterThan(16);
    expect(r.sns).toEqual({ count: 6, byOutcome: { started: 3, succeeded: 3 } });
    expect(r.slack.count).toBe(6);
  }, 120_000);

  it('a freeze backlog of 80 over a budget of 50: released over the next hours, no clock hour over 50', async () => {
    const r = await rehearse('budget-backlog.yaml');
    expect(r.outcomes.byCode['budget']).toBeGreaterThan(0);
    expect(r.executions.started).toBe(80);
    // Executions started per clock hour, from the SSM simulation's start times (the timeline).
    const start = Date.parse(r.sim.start);
    const perHour: Record<string, number> = {};
    for (const row of r.timeline?.rows ?? [])
      for (const m of row.marks)
        if (m.kind === 'execution') {
          const hour = new Date(Math.floor((start + m.at) / 3_600_000) * 3_600_000).toISOString();
          perHour[hour] = (perHour[hour] ?? 0) + 1;
        }
    expect(Object.values(perHour).reduce((a, b) => a + b, 0)).toBe(80);
    expect(Math.max(...Object.values(perHour))).toBeLessThanOrEqual(50);
    expect(Object.keys(perHour).length).toBeGreaterThan(1);
    holds(r, 80);
  }, 180_000);

  it('the ledger cannot be written for ten minutes: the on-failure queue keeps the findings, the sweep redrives them', async () => {
    const r = await rehearse('ledger-outage.yaml');
    // Findings handled inside the outage failed all of Lambda's tries and went to the on-failure
    // queue; the reconcile sweep read them back once the ledger answered, and they ended fixed. Before
    // the redrive, those 4 ended in the queue for good (judged `pending`: fixed 2, pending 4).
    expect(r.apiCalls['sqs']?.byOperation['DeleteMessage']).toBe(4);
    expect(r.executions.started).toBe(6);
    holds(r, 6);
  }, 180_000);
});
