/**
 * The service's metrics (CloudWatch embedded metric format).
 */

/** Dimensions of one metric value (low-cardinality names: family, outcome, code, remediation, gate, channel). */
export type MetricDimensions = Record<string, string>;

/**
 * The service's metrics (docs/operating.md "Metrics"). The adapter writes CloudWatch embedded metric
 * format lines to the function's log (no API calls); values are buffered and flushed once per invocation.
 */
export interface MetricsPort {
  /** Adds `value` (default 1) to a counter. */
  count(name: string, dimensions?: MetricDimensions, value?: number): void;
  /** Records one measurement (a gauge or a duration). */
  measure(
    name: string,
    unit: 'Milliseconds' | 'Seconds' | 'Count',
    value: number,
    dimensions?: MetricDimensions,
  ): void;
}
