/**
 * MetricsPort over Powertools Metrics: CloudWatch embedded metric format (EMF) lines on stdout, which
 * Lambda's log pipeline turns into metrics (no PutMetricData calls, no IAM). Values are buffered per
 * dimension set and written by `flush()` (once per invocation, from the handler middleware): one EMF
 * line per dimension set, each carrying two dimension sets, the service-wide one (`service`, `stage`,
 * what alarms watch) and the detailed one (`service`, `stage` and the value's own dimensions).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricDimensions, MetricsPort } from '../ports/index.ts';

/** The namespace every metric of the service is in (docs/operating.md "Metrics"). */
export const METRICS_NAMESPACE = 'SsmRemediator';

type Unit = 'Count' | 'Milliseconds' | 'Seconds';

interface Group {
  dimensions: MetricDimensions;
  values: Map<string, { unit: Unit; values: number[]; sum: boolean }>;
}

export interface EmfMetrics extends MetricsPort {
  /** Writes what was buffered (nothing when nothing was): one EMF line per dimension set. */
  flush(): void;
}

export function emfMetrics(opts: { stage: string; namespace?: string; metrics?: Metrics }): EmfMetrics {
  const metrics =
    opts.metrics ??
    new Metrics({
      namespace: opts.namespace ?? METRICS_NAMESPACE,
      serviceName: 'ssm-remediator',
      defaultDimensions: { stage: opts.stage },
    });
  const groups = new Map<string, Group>();
  const groupOf = (dimensions: MetricDimensions = {}): Group => {
    const key = JSON.stringify(Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b)));
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { dimensions, values: new Map() }));
    return g;
  };
  const add = (name: string, unit: Unit, value: number, sum: boolean, dimensions?: MetricDimensions) => {
    const g = groupOf(dimensions);
    const v = g.values.get(name) ?? { unit, values: [], sum };
    if (sum && v.values.length > 0) v.values[0]! += value;
    else v.values.push(value);
    g.values.set(name, v);
  };
  return {
    count: (name, dimensions, value = 1) => add(name, 'Count', value, true, dimensions),
    measure: (name, unit, value, dimensions) => add(name, unit, value, false, dimensions),
    flush() {
      for (const g of groups.values()) {
        if (Object.keys(g.dimensions).length > 0) {
          // The service-wide set first (what alarms watch), then the detailed one.
          metrics.addDimensions({});
          metrics.addDimensions(g.dimensions);
        }
        for (const [name, v] of g.values)
          for (const x of v.values) metrics.addMetric(name, MetricUnit[v.unit], x);
        metrics.publishStoredMetrics();
      }
      groups.clear();
    },
  };
}
