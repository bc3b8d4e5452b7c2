/**
 * The storm benchmark (issue 13): `n` findings (a mix of Config rules and failed patch runs, within
 * five minutes) rehearsed in the sandbox account at SSM's real quotas (100 running Automation
 * executions, 1,000 queued), for each size in SIZES (default 1000,5000,10000). For each it prints:
 *
 * - the simulated time to fix all, the quota bound (Automation findings × mean execution time ÷ the
 *   concurrent executions allowed to the service) and their ratio;
 * - executions started and doubled, findings dropped, wall time;
 * - AWS calls per finding by service, and per finding event (the default day's yardstick);
 * - the cost per 1,000 findings at AWS's public prices (bench/storm/prices.ts, with their date);
 * - each function's memory: the largest V8 isolate (heap + off-heap) its containers held after an
 *   invocation, plus a bare Node process's RSS outside its heap (the sandbox runs a function in a
 *   worker thread of one process, so per-function RSS cannot be read directly).
 *
 * Then the fleet case (bench/storm/fleet.ts): one agent-health sweep over FLEET (default 50,000)
 * instances. Exits non-zero when a goal is missed by more than a 10 % margin: ratio ≥ 0.9, nothing
 * dropped or doubled, every finding fixed, AWS calls per finding event ≤ 12.5 (half the default
 * day's 25), a sweep well inside its function's timeout.
 *
 *   npm run bench:storm                     # 1,000, 5,000 and 10,000 (slow: tens of minutes)
 *   SIZES=1000 npm run bench:storm          # one size
 *   SIZES=1000 FLEET=0 npm run bench:storm  # no fleet case
 *   RUN_TIME=2m SIZES=1000 FLEET=0 npm run bench:storm  # 2-minute executions (default 1m)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InvocationRecord } from '../sandbox/lambda.ts';
import type { ExecutionView } from '../sandbox/scenario/report.ts';
import { runScenario } from '../sandbox/scenario/run.ts';
import { fleetSweep } from './storm/fleet.ts';
import { stormFigures, type StormFigures } from './storm/figures.ts';
import { costOf, PRICES, PRICES_AS_OF } from './storm/prices.ts';
import { stormScenario } from './storm/scenario.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sizes = (process.env['SIZES'] ?? '1000,5000,10000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0);
const fleet = Number(process.env['FLEET'] ?? 50_000);
/** One Automation execution's simulated run time (RUN_TIME, e.g. `2m`; default the scenario's 1m). */
const runTime = process.env['RUN_TIME'];
const MARGIN = 0.1;
const CALLS_PER_EVENT_GOAL = 12.5;
const RATIO_GOAL = 0.9;

/** Running Automation executions SSM allows the account, and the service's share of them. */
const SSM_RUNNING_QUOTA = 100;
function concurrencyAllowed(): number {
  const yml = readFileSync(join(root, 'serverless.yml'), 'utf8');
  const m = /^\s+automationConcurrentShare:\s*'?([0-9.]+)'?/m.exec(yml);
  const share = m ? Number(m[1]) : 1;
  return Math.max(1, Math.floor(SSM_RUNNING_QUOTA * share));
}

/** What a bare Node process holds outside its V8 heap (bytes): the runtime under a function's code. */
function runtimeBase(): number {
  const out = execFileSync(process.execPath, [
    '-e',
    'const m=process.memoryUsage();process.stdout.write(String(m.rss-m.heapTotal-m.external))',
  ]);
  return Number(out.toString());
}

const COMMENT_PREFIX = 'ssm-remediator ';
const TAG_REMEDIATION = 'ssm-remediator:remediation';

async function storm(size: number, concurrency: number, base: number): Promise<StormFigures> {
  const scenario = stormScenario({ size, ...(runTime ? { runTime } : {}) });
  let invocations: InvocationRecord[] = [];
  let executions: ExecutionView[] = [];
  const memory = new Map<string, number>();
  const steps = new Map<string, number>();
  const report = await runScenario({
    scenario,
    projectRoot: root,
    progressEveryMs: 15_000,
    progress: (s) => console.error(s),
    inspect: (account) => {
      invocations = [...account.lambda.invocations()];
      for (const f of account.lambda.functions()) memory.set(f.name, f.memoryMb);
      const ssm = account.ssm;
      executions = [
        ...ssm.listAutomationExecutions().map((x): ExecutionView => {
          const doc = ssm.documents.get(x.DocumentName);
          const v = doc ? ssm.documents.version(doc) : undefined;
          steps.set(x.DocumentName, v?.steps?.length ?? 1);
          return {
            id: x.AutomationExecutionId,
            kind: 'automation',
            document: x.DocumentName,
            status: x.status,
            remediation: x.tags?.find((t) => t.Key === TAG_REMEDIATION)?.Value ?? '',
            resources: [],
            startedAt: (x.ExecutionStartTime ?? x.createdTime).getTime(),
            ...(x.ExecutionEndTime ? { endedAt: x.ExecutionEndTime.getTime() } : {}),
          };
        }),
        ...ssm
          .listCommands()
          .filter((c) => c.Comment.startsWith(COMMENT_PREFIX))
          .map((c): ExecutionView => {
            const ends = c.invocations.map((i) => i.ExecutionEndDateTime?.getTime() ?? 0);
            return {
              id: c.CommandId,
              kind: 'command',
              document: c.DocumentName,
              status: c.Status,
              remediation: c.Comment.slice(COMMENT_PREFIX.length),
              resources: c.invocations.map((i) => i.InstanceId),
              startedAt: c.RequestedDateTime.getTime(),
              ...(ends.length > 0 && ends.every((e) => e > 0) ? { endedAt: Math.max(...ends) } : {}),
            };
          }),
      ];
    },
  });
  // The run's detail (calls by operation, outcome codes, convergence), for finding where calls go.
  mkdirSync(join(root, '.rehearsal'), { recursive: true });
  const { items: _items, ...convergence } = report.convergence;
  writeFileSync(
    join(root, `.rehearsal/storm-${size}.json`),
    JSON.stringify(
      {
        convergence,
        outcomes: report.outcomes,
        executions: report.executions,
        findings: report.findings,
        apiCalls: report.apiCalls,
        notes: report.notes,
        items: _items.slice(0, 10),
      },
      null,
      2,
    ),
  );
  return stormFigures({
    report,
    executions,
    invocations,
    memoryMbOf: (fn) => memory.get(fn) ?? 0,
    stepsOf: (d) => steps.get(d) ?? 1,
    concurrency,
    firstFindingAt: 60_000,
    runtimeBaseBytes: base,
  });
}

const fmt = (n: number, d = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: d });
const misses: string[] = [];
const concurrency = concurrencyAllowed();
const base = runtimeBase();
console.log(
  `storm benchmark: sizes ${sizes.join(', ')}; concurrent Automation executions allowed to the service: ${concurrency}; prices as of ${PRICES_AS_OF}`,
);
for (const size of sizes) {
  const f = await storm(size, concurrency, base);
  const cost = costOf(f.usage);
  const per1000 = (usd: number): string => `$${((usd * 1000) / f.findings).toFixed(4)}`;
  console.log(
    [
      ``,
      `== ${fmt(size, 0)} findings (${f.findingEvents} finding events; ${f.automations} Automation executions, ${f.commands} Run Command fan-outs)`,
      `time to fix all ${fmt(f.fixAllSeconds / 60)} sim min; Automation findings ${fmt(f.fixAutomationSeconds / 60)} sim min`,
      `quota bound ${fmt(f.quotaBoundSeconds / 60)} sim min (${f.automations} × ${fmt(f.meanAutomationSeconds)} s ÷ ${f.concurrency}); ratio ${f.ratio.toFixed(2)}`,
      `executions started ${f.started}, doubled ${f.doubled}, at most ${f.peakRunning} running at once (share ${f.concurrency}); findings fixed ${f.fixed}, excused ${f.excused}, pending ${f.pending}, dropped ${f.dropped}; wall ${fmt(f.wallSeconds)} s`,
      `AWS calls per finding: ${fmt(f.callsPerFindingTotal, 2)} (${Object.entries(f.callsPerFinding)
        .map(([k, v]) => `${k} ${fmt(v, 2)}`)
        .join(', ')}); per finding event ${fmt(f.callsPerEvent, 2)}`,
      `cost per 1,000 findings: ${per1000(cost.usd)} (${cost.lines
        .filter((l) => l.usd > 0)
        .map((l) => `${l.item} ${per1000(l.usd)}`)
        .join(', ')})`,
      `memory (function: invocations, mean wall ms, peak isolate MiB, estimated RSS MiB / configured MiB):`,
      ...f.memory.map(
        (m) =>
          `  ${m.fn.replace(/^ssm-remediator-sandbox-/, '')}: ${m.invocations}, ${fmt(m.meanMs, 0)} ms, ${fmt(m.peakIsolateMb)}, ${fmt(m.estimatedRssMb)} / ${m.configuredMb}`,
      ),
    ].join('\n'),
  );
  if (f.ratio < RATIO_GOAL * (1 - MARGIN))
    misses.push(`${size}: ratio ${f.ratio.toFixed(2)} < ${RATIO_GOAL}`);
  if (f.dropped > 0) misses.push(`${size}: ${f.dropped} dropped`);
  if (f.doubled > 0) misses.push(`${size}: ${f.doubled} doubled`);
  if (f.peakRunning > f.concurrency)
    misses.push(
      `${size}: ${f.peakRunning} Automation executions running at once > the service's share ${f.concurrency}`,
    );
  if (f.fixed + f.excused !== f.findings)
    misses.push(`${size}: ${f.findings - f.fixed - f.excused} neither fixed nor excused`);
  if (f.callsPerEvent > CALLS_PER_EVENT_GOAL * (1 + MARGIN))
    misses.push(`${size}: ${fmt(f.callsPerEvent, 2)} AWS calls per finding event > ${CALLS_PER_EVENT_GOAL}`);
}
if (fleet > 0) {
  const s = await fleetSweep({ instances: fleet, projectRoot: root });
  console.log(`\n${s.lines.join('\n')}`);
  misses.push(...s.misses);
}
console.log(
  `\nprices (${PRICES_AS_OF}; unverified ones marked *): ${Object.values(PRICES)
    .map((p) => `$${p.usd} per ${p.per.split(' (')[0]}${p.verified ? '' : '*'}`)
    .join('; ')}`,
);
if (misses.length > 0) {
  console.log(`GOALS MISSED: ${misses.join('; ')}`);
  process.exitCode = 1;
} else console.log('PASS');
