/**
 * The storm rehearsal (issue 11): 2,000 Config findings at SSM's real Automation quota (bench/storm.yaml).
 * Packages the service, runs the day, prints simulated and wall time, and exits non-zero unless every
 * finding ended fixed, none failed api-error, none was started twice, nothing was dropped or unfinished.
 *
 *   npm run bench:storm
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { passed } from '../sandbox/scenario/report.ts';
import { runScenario } from '../sandbox/scenario/run.ts';
import { loadScenario } from '../sandbox/scenario/schema.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const scenario = loadScenario(join(root, 'bench/storm.yaml'));
// The share of SSM's 100 running executions the storm's params leave the service (default 0.5).
const SHARE = Math.floor(100 * Number(scenario.params['automationConcurrentShare'] ?? '0.5'));
const RUN_MINUTES = 5; // bench/storm.yaml automation.runTime
const r = await runScenario({ scenario, projectRoot: root, progress: (s) => console.error(s) });
const c = r.convergence;
const apiErrors = r.outcomes.byCode['api-error'] ?? 0;
console.log(
  [
    `storm: ${c.findings} findings, ${r.executions.started} executions (${JSON.stringify(r.executions.byStatus)})`,
    `simulated ${r.sim.hours.toFixed(2)} h, wall ${r.wall.seconds.toFixed(1)} s`,
    `convergence: fixed ${c.fixed}, excused ${c.excused}, pending ${c.pending}, dropped ${c.dropped}; unfinished ${r.unfinished}; duplicates ${r.duplicateExecutions}`,
    `outcome codes: ${JSON.stringify(r.outcomes.byCode)}`,
    `StartAutomationExecution calls: ${r.apiCalls['ssm']?.byOperation['StartAutomationExecution'] ?? 0}`,
    // Admission (docs/guards.md): the service's executions running at once vs its share of SSM's 100, and
    // the simulated time vs the quota bound (findings × execution time ÷ the share).
    `admission: peak ${r.executions.peakRunning ?? 0} running (share ${SHARE}); held admission ${r.outcomes.byCode['admission'] ?? 0}; quota bound ${((c.findings * RUN_MINUTES) / SHARE / 60).toFixed(2)} h`,
    `SNS messages: ${r.sns.count} ${JSON.stringify(r.sns.byOutcome)}`,
    `Slack messages: ${r.slack.count} (${r.slack.digests} digests, ${r.slack.outcomes} outcomes; ${r.slack.rateLimited} answered 429; at most ${r.slack.maxPerSecond}/s)`,
  ].join('\n'),
);
const ok =
  passed(r) &&
  c.fixed === c.findings &&
  c.findings === 2000 &&
  apiErrors === 0 &&
  (r.executions.peakRunning ?? 0) <= SHARE &&
  r.duplicateExecutions === 0;
if (!ok) {
  console.log(`FAIL: ${JSON.stringify(c.items.slice(0, 5))}`);
  process.exitCode = 1;
} else console.log('PASS');
