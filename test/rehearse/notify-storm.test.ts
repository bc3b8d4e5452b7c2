/**
 * Issue 11, item 6: a storm of findings does not flood Slack. The results topic keeps one message per
 * outcome (machines); Slack gets per-remediation digests per batching window of the Slack queue.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runScenario } from '../../sandbox/scenario/run.ts';
import { findProjectRoot, loadScenario } from '../../sandbox/scenario/schema.ts';

it('a storm of 300 findings of two remediations: SNS one message per outcome, Slack dozens of digests at most one per second', async () => {
  const scenario = loadScenario(join(import.meta.dirname, 'fixtures', 'notify-storm.yaml'));
  // Packaged here with the scenario's params (the budget raised), not the shared package.
  const r = await runScenario({ scenario, projectRoot: findProjectRoot() });
  if (process.env['HELD_FIGURES'])
    console.log(
      `wall ${r.wall.seconds}s, sim ${r.sim.hours}h`,
      JSON.stringify(r.sns),
      JSON.stringify({ ...r.slack, samples: r.slack.samples.slice(0, 2) }),
      JSON.stringify(r.apiCalls['slack']?.byOperation),
      JSON.stringify(r.outcomes.byCode),
    );
  expect(r.convergence).toMatchObject({ findings: 300, fixed: 300, dropped: 0 });
  // One message per announced outcome on the topic: each finding announces started and succeeded.
  expect(r.sns.byOutcome).toMatchObject({ started: 300, succeeded: 300 });
  // Slack: every one of those outcomes, in dozens of messages (before the digests: one per outcome, 600).
  expect(r.slack.outcomes).toBe(r.sns.count);
  expect(r.slack.count).toBeGreaterThanOrEqual(2);
  expect(r.slack.count).toBeLessThan(60);
  expect(r.slack.digests).toBeGreaterThanOrEqual(2);
  expect(r.slack.maxPerSecond).toBe(1);
}, 900_000);
