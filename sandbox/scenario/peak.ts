/**
 * The most executions of the service that ran at once (issue 11, admission): a sweep over the
 * intervals [startedAt, endedAt) of its Automation executions (SSM's start time: when one of the 100
 * running slots took it). An execution still running counts to the end.
 */
import type { ExecutionView } from './report.ts';

export function peakConcurrent(executions: readonly ExecutionView[], kind: ExecutionView['kind']): number {
  const edges: [number, number][] = [];
  for (const x of executions) {
    if (x.kind !== kind || x.remediation === '' || x.startedAt === undefined) continue;
    edges.push([x.startedAt, 1]);
    if (x.endedAt !== undefined) edges.push([x.endedAt, -1]);
  }
  // Ends before starts at the same instant: a slot freed and taken again is not two at once.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (now += d));
  return peak;
}
