/**
 * What an operator would have seen in CloudWatch during a rehearsal: the metrics the functions wrote
 * (CloudWatch embedded metric format lines in their logs, as the Lambda log pipeline reads them), and
 * which of the packaged template's alarms (serverless/ops.cjs) would have fired.
 *
 * Data the sandbox has: the service's EMF metrics (by the simulated time of each log line), each
 * function's errors (failed invocations), and every queue's depth at the end of the run (one datapoint:
 * the sandbox does not sample depths over time). It has no Lambda throttles or destination delivery
 * failures: those alarms are listed with `data: 'none'` and never fire here.
 */
import type { CfnTemplate } from '../template.ts';
import type { InvocationRecord, LogLine } from '../lambda.ts';

export interface MetricPoint {
  namespace: string;
  name: string;
  /** The dimension set's names and values. */
  dimensions: Record<string, string>;
  values: number[];
  at: number;
}

export interface AlarmView {
  logicalId: string;
  name: string;
  metric: string;
  /** Where the sandbox's datapoints came from. */
  data: 'emf' | 'queue depth at end' | 'invocations' | 'none';
  fired: boolean;
  /** Simulated time (ms since the run's start) of the period that first breached. */
  at?: number;
  /** The statistic's value in that period. */
  value?: number;
}

export interface OpsReport {
  /** Service-wide metrics (dimension set service + stage): counters summed, gauges and timings their maximum. */
  metrics: Record<string, number>;
  /** EMF lines read. */
  lines: number;
  alarms: AlarmView[];
  /** Names of the alarms that fired. */
  fired: string[];
}

/** The EMF datapoints in log lines: one per metric per dimension set. */
export function emfPoints(lines: readonly LogLine[]): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const l of lines) {
    const j = l.json;
    const aws = j?.['_aws'] as
      | { CloudWatchMetrics?: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] }
      | undefined;
    if (!j || !aws?.CloudWatchMetrics) continue;
    for (const d of aws.CloudWatchMetrics) {
      for (const m of d.Metrics) {
        const raw = j[m.Name];
        const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is number => typeof v === 'number');
        for (const set of d.Dimensions) {
          const dimensions = Object.fromEntries(set.map((k) => [k, String(j[k])]));
          out.push({ namespace: d.Namespace, name: m.Name, dimensions, values, at: l.at.getTime() });
        }
      }
    }
  }
  return out;
}

interface AlarmProps {
  AlarmName?: string;
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Statistic?: string;
  Period?: number;
  EvaluationPeriods?: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator?: string;
}

/** Gauges and timings: their maximum is reported, not their sum. */
const GAUGES = new Set(['HeldWork', 'OldestHeldAgeSeconds', 'DecisionLatency']);

const STAT: Record<string, (v: number[]) => number> = {
  Sum: (v) => v.reduce((a, b) => a + b, 0),
  Maximum: (v) => Math.max(...v),
  Minimum: (v) => Math.min(...v),
  Average: (v) => v.reduce((a, b) => a + b, 0) / v.length,
  SampleCount: (v) => v.length,
};

const COMPARE: Record<string, (v: number, t: number) => boolean> = {
  GreaterThanThreshold: (v, t) => v > t,
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

export interface OpsInput {
  template: CfnTemplate;
  lines: readonly LogLine[];
  invocations: readonly InvocationRecord[];
  /** A queue's depth (messages not yet deleted) by its logical id. */
  queueDepth: (logicalId: string) => number;
  t0: number;
  end: number;
}

/** The service-wide metrics and the template's alarms evaluated over the rehearsal's data. */
export function evaluateOps(input: OpsInput): OpsReport {
  const points = emfPoints(input.lines);
  const resources = (input.template.Resources ?? {}) as Record<
    string,
    { Type: string; Properties?: Record<string, unknown> }
  >;
  const metrics: Record<string, number> = {};
  for (const p of points) {
    if (Object.keys(p.dimensions).sort().join(',') !== 'service,stage' || p.values.length === 0) continue;
    metrics[p.name] = GAUGES.has(p.name)
      ? Math.max(metrics[p.name] ?? -Infinity, ...p.values)
      : (metrics[p.name] ?? 0) + STAT.Sum!(p.values);
  }

  const physical = (v: unknown): { id?: string; name?: string } => {
    const id =
      (v as { Ref?: string })?.Ref ?? (v as { 'Fn::GetAtt'?: string[] })?.['Fn::GetAtt']?.[0] ?? undefined;
    if (!id) return { name: String(v) };
    const p = resources[id]?.Properties ?? {};
    return { id, name: String(p['QueueName'] ?? p['FunctionName'] ?? id) };
  };

  const alarms: AlarmView[] = [];
  for (const [logicalId, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::CloudWatch::Alarm') continue;
    const a = (r.Properties ?? {}) as AlarmProps;
    const metric = `${a.Namespace}/${a.MetricName}`;
    const view: AlarmView = { logicalId, name: a.AlarmName ?? logicalId, metric, data: 'none', fired: false };
    let data: { at: number; value: number }[] = [];
    const dim = (name: string) => a.Dimensions?.find((d) => d.Name === name)?.Value;
    if (a.Namespace === 'AWS/SQS' && a.MetricName === 'ApproximateNumberOfMessagesVisible') {
      const q = physical(dim('QueueName'));
      if (q.id) {
        view.data = 'queue depth at end';
        data = [{ at: input.end, value: input.queueDepth(q.id) }];
      }
    } else if (a.Namespace === 'AWS/Lambda' && a.MetricName === 'Errors') {
      const fn = physical(dim('FunctionName')).name;
      view.data = 'invocations';
      data = input.invocations
        .filter((i) => i.functionName === fn && i.ok === false)
        .map((i) => ({ at: (i.endedAt ?? i.startedAt).getTime(), value: 1 }));
    } else if (a.Namespace !== 'AWS/Lambda' && a.Namespace !== 'AWS/SQS') {
      const want = Object.fromEntries((a.Dimensions ?? []).map((d) => [d.Name, String(d.Value)]));
      const same = (d: Record<string, string>) =>
        Object.keys(d).length === Object.keys(want).length &&
        Object.entries(want).every(([k, v]) => d[k] === v);
      view.data = 'emf';
      data = points
        .filter((p) => p.namespace === a.Namespace && p.name === a.MetricName && same(p.dimensions))
        .flatMap((p) => p.values.map((value) => ({ at: p.at, value })));
    }
    const breach = firstBreach(data, a, input.t0);
    if (breach) Object.assign(view, { fired: true, at: breach.at - input.t0, value: breach.value });
    alarms.push(view);
  }
  alarms.sort((x, y) => Number(y.fired) - Number(x.fired) || x.name.localeCompare(y.name));
  return {
    metrics,
    lines: input.lines.filter((l) => l.json?.['_aws']).length,
    alarms,
    fired: alarms.filter((x) => x.fired).map((x) => x.name),
  };
}

/** The end of the first period whose evaluation window has DatapointsToAlarm breaching periods. */
function firstBreach(
  data: readonly { at: number; value: number }[],
  a: AlarmProps,
  t0: number,
): { at: number; value: number } | undefined {
  if (data.length === 0) return undefined;
  const period = (a.Period ?? 300) * 1000;
  const stat = STAT[a.Statistic ?? 'Sum'] ?? STAT.Sum!;
  const compare = COMPARE[a.ComparisonOperator ?? 'GreaterThanThreshold'] ?? COMPARE.GreaterThanThreshold!;
  const buckets = new Map<number, number[]>();
  for (const d of data) {
    const b = Math.floor((d.at - t0) / period);
    buckets.set(b, [...(buckets.get(b) ?? []), d.value]);
  }
  const breaching = new Map<number, number>();
  for (const [b, v] of buckets) if (compare(stat(v), a.Threshold ?? 0)) breaching.set(b, stat(v));
  const n = a.EvaluationPeriods ?? 1;
  const m = a.DatapointsToAlarm ?? n;
  // Missing data is not breaching (TreatMissingData: notBreaching).
  for (const b of [...breaching.keys()].sort((x, y) => x - y)) {
    let count = 0;
    for (let i = b - n + 1; i <= b; i++) if (breaching.has(i)) count += 1;
    if (count >= m) return { at: t0 + (b + 1) * period, value: breaching.get(b)! };
  }
  return undefined;
}
