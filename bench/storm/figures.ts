/**
 * The storm benchmark's figures from one run (pure: the report, the invocations and what the sandbox's
 * SSM ran): simulated time to fix all, the quota bound and their ratio, executions started and doubled,
 * findings dropped, AWS calls per finding by service, billable usage, and each function's memory.
 */
import type { ContainerMemory, InvocationRecord } from '../../sandbox/lambda.ts';
import type { ExecutionView, RehearsalReport } from '../../sandbox/scenario/report.ts';
import type { Usage } from './prices.ts';

export interface StormFigures {
  findings: number;
  findingEvents: number;
  automations: number;
  commands: number;
  /** Sim seconds from the first finding to the last successful execution (Automation or Run Command). */
  fixAllSeconds: number;
  /** Sim seconds from the first finding to the last successful Automation execution. */
  fixAutomationSeconds: number;
  meanAutomationSeconds: number;
  concurrency: number;
  /** automations × mean execution time ÷ concurrent executions allowed. */
  quotaBoundSeconds: number;
  /** quota bound ÷ time to fix the Automation findings (1 = as fast as the quota allows). */
  ratio: number;
  started: number;
  doubled: number;
  /** Most Automation executions of the service running at once (SSM's side, sandbox/scenario/peak.ts). */
  peakRunning: number;
  dropped: number;
  fixed: number;
  excused: number;
  pending: number;
  wallSeconds: number;
  callsPerFinding: Record<string, number>;
  callsPerFindingTotal: number;
  /** Same, per finding event (the default day's yardstick counts events, not distinct findings). */
  callsPerEvent: number;
  usage: Usage;
  memory: FunctionMemory[];
}

export interface FunctionMemory {
  fn: string;
  configuredMb: number;
  invocations: number;
  /** The largest committed V8 heap + off-heap seen after an invocation (MiB). */
  peakIsolateMb: number;
  /** peakIsolateMb + what a bare Node process holds outside its heap (MiB): the RSS estimate. */
  estimatedRssMb: number;
  /** Wall ms, mean. */
  meanMs: number;
}

const MiB = 1024 * 1024;
const DYNAMO_READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);
const DYNAMO_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

export interface FigureInput {
  report: RehearsalReport;
  /** The service's Automation executions and commands, as SSM saw them. */
  executions: ExecutionView[];
  invocations: InvocationRecord[];
  memoryMbOf: (fn: string) => number;
  /** Steps in an Automation document. */
  stepsOf: (document: string) => number;
  concurrency: number;
  /** Sim ms from the start to the first finding. */
  firstFindingAt: number;
  /** RSS of a bare Node process outside its V8 heap (bytes). */
  runtimeBaseBytes: number;
}

export function stormFigures(i: FigureInput): StormFigures {
  const r = i.report;
  const t0 = Date.parse(r.sim.start) + i.firstFindingAt;
  return figuresFrom(i, r, t0, i.executions);
}

function figuresFrom(i: FigureInput, r: RehearsalReport, t0: number, xs: ExecutionView[]): StormFigures {
  const autos = xs.filter((x) => x.kind === 'automation' && x.remediation !== '');
  const cmds = xs.filter((x) => x.kind === 'command' && x.remediation !== '');
  const ok = (x: ExecutionView): boolean => x.status === 'Success' && x.endedAt !== undefined;
  const lastEnd = (ys: ExecutionView[]): number => Math.max(t0, ...ys.filter(ok).map((x) => x.endedAt ?? t0));
  const autoDone = autos.filter(ok);
  const meanMs =
    autoDone.length === 0
      ? 0
      : autoDone.reduce((a, x) => a + ((x.endedAt ?? 0) - (x.startedAt ?? 0)), 0) / autoDone.length;
  const fixAutomationSeconds = (lastEnd(autos) - t0) / 1000;
  const quotaBoundSeconds = (autos.length * meanMs) / 1000 / i.concurrency;
  const c = r.convergence;
  const findingEvents = r.findings.total;
  const perFinding: Record<string, number> = {};
  let total = 0;
  for (const [svc, v] of Object.entries(r.apiCalls)) {
    perFinding[svc] = v.total / c.findings;
    total += v.total;
  }
  const op = (svc: string, name: string): number => r.apiCalls[svc]?.byOperation[name] ?? 0;
  const sum = (svc: string, names: Set<string>): number =>
    Object.entries(r.apiCalls[svc]?.byOperation ?? {})
      .filter(([k]) => names.has(k))
      .reduce((a, [, n]) => a + n, 0);
  const gbSeconds = i.invocations.reduce(
    (a, x) => a + (i.memoryMbOf(x.functionName) / 1024) * (Math.max(1, x.durationMs ?? 0) / 1000),
    0,
  );
  const usage: Usage = {
    lambdaRequests: i.invocations.length,
    lambdaGbSeconds: gbSeconds,
    dynamoReadUnits: sum('dynamodb', DYNAMO_READS),
    dynamoWriteUnits: sum('dynamodb', DYNAMO_WRITES),
    eventBridgeEvents: op('events', 'PutEvents'),
    sqsRequests: r.apiCalls['sqs']?.total ?? 0,
    snsPublishes: op('sns', 'Publish'),
    automationSteps: autos.reduce((a, x) => a + i.stepsOf(x.document), 0),
  };
  return {
    findings: c.findings,
    findingEvents,
    automations: autos.length,
    commands: cmds.length,
    fixAllSeconds: (Math.max(lastEnd(autos), lastEnd(cmds)) - t0) / 1000,
    fixAutomationSeconds,
    meanAutomationSeconds: meanMs / 1000,
    concurrency: i.concurrency,
    quotaBoundSeconds,
    ratio: fixAutomationSeconds > 0 ? quotaBoundSeconds / fixAutomationSeconds : 0,
    started: r.executions.started,
    doubled: r.duplicateExecutions,
    peakRunning: r.executions.peakRunning ?? 0,
    dropped: c.dropped,
    fixed: c.fixed,
    excused: c.excused,
    pending: c.pending,
    wallSeconds: r.wall.seconds,
    callsPerFinding: perFinding,
    callsPerFindingTotal: total / c.findings,
    callsPerEvent: findingEvents > 0 ? total / findingEvents : 0,
    usage,
    memory: memoryOf(i),
  };
}

function memoryOf(i: FigureInput): FunctionMemory[] {
  const by = new Map<string, InvocationRecord[]>();
  for (const x of i.invocations) by.set(x.functionName, [...(by.get(x.functionName) ?? []), x]);
  const isolate = (m: ContainerMemory): number => m.heapTotal + m.external;
  return [...by]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([fn, xs]) => {
      const peak = Math.max(0, ...xs.map((x) => (x.memory ? isolate(x.memory) : 0)));
      return {
        fn,
        configuredMb: i.memoryMbOf(fn),
        invocations: xs.length,
        peakIsolateMb: peak / MiB,
        estimatedRssMb: (peak + i.runtimeBaseBytes) / MiB,
        meanMs: xs.reduce((a, x) => a + (x.durationMs ?? 0), 0) / xs.length,
      };
    });
}
