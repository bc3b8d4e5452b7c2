/** The sandbox's alarm evaluator (sandbox/scenario/ops.ts): EMF points, periods, M of N, queue depths, errors. */
import { describe, expect, test } from 'vitest';
import { emfPoints, evaluateOps } from '../../sandbox/scenario/ops.ts';
import type { InvocationRecord, LogLine } from '../../sandbox/lambda.ts';
import type { CfnTemplate } from '../../sandbox/template.ts';

const t0 = Date.parse('2026-01-05T08:00:00Z');
const min = 60_000;
const emf = (atMin: number, name: string, value: number, extra: Record<string, string> = {}): LogLine => {
  const json = {
    _aws: {
      Timestamp: 0,
      CloudWatchMetrics: [
        {
          Namespace: 'SsmRemediator',
          Dimensions: [
            ['service', 'stage'],
            ...(Object.keys(extra).length ? [['service', 'stage', ...Object.keys(extra)]] : []),
          ],
          Metrics: [{ Name: name, Unit: 'Count' }],
        },
      ],
    },
    service: 'ssm-remediator',
    stage: 'sandbox',
    ...extra,
    [name]: value,
  };
  return {
    functionName: 'f',
    stream: 'stdout',
    text: JSON.stringify(json),
    json,
    at: new Date(t0 + atMin * min),
  } as LogLine;
};
const serviceDims = [
  { Name: 'service', Value: 'ssm-remediator' },
  { Name: 'stage', Value: 'sandbox' },
];
const alarm = (props: Record<string, unknown>) => ({
  Type: 'AWS::CloudWatch::Alarm',
  Properties: {
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 0,
    Period: 300,
    EvaluationPeriods: 1,
    ...props,
  },
});
const template = {
  Resources: {
    Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'dlq' } },
    Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'svc-fn' } },
    BreakerAlarm: alarm({
      AlarmName: 'breaker',
      Namespace: 'SsmRemediator',
      MetricName: 'BreakerOpen',
      Dimensions: serviceDims,
      Statistic: 'Sum',
    }),
    Sustained: alarm({
      AlarmName: 'sustained',
      Namespace: 'SsmRemediator',
      MetricName: 'GateUnreadable',
      Dimensions: serviceDims,
      Statistic: 'Sum',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    }),
    DlqAlarm: alarm({
      AlarmName: 'dlq-depth',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['Dlq', 'QueueName'] } }],
      Statistic: 'Maximum',
    }),
    Errors: alarm({
      AlarmName: 'fn-errors',
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'Fn' } }],
      Statistic: 'Sum',
    }),
  },
} as unknown as CfnTemplate;

describe('sandbox alarm evaluator', () => {
  test('EMF lines become one point per metric per dimension set', () => {
    const p = emfPoints([emf(1, 'Findings', 2, { family: 'patch.failed' })]);
    expect(p.map((x) => x.dimensions)).toEqual([
      { service: 'ssm-remediator', stage: 'sandbox' },
      { service: 'ssm-remediator', stage: 'sandbox', family: 'patch.failed' },
    ]);
  });

  test('fires on the period that breached; 3-of-3 needs three consecutive periods', () => {
    const lines = [
      emf(1, 'Findings', 2, { family: 'a' }),
      emf(3, 'Findings', 1, { family: 'b' }),
      emf(12, 'BreakerOpen', 1, { remediation: 'r' }),
      // GateUnreadable in periods 0, 1 and 3 (not 2): never three in a row.
      emf(1, 'GateUnreadable', 1),
      emf(6, 'GateUnreadable', 1),
      emf(16, 'GateUnreadable', 1),
    ];
    const r = evaluateOps({ template, lines, invocations: [], queueDepth: () => 0, t0, end: t0 + 60 * min });
    expect(r.metrics).toMatchObject({ Findings: 3, BreakerOpen: 1, GateUnreadable: 3 });
    expect(r.fired).toEqual(['breaker']);
    expect(r.alarms.find((a) => a.name === 'breaker')).toMatchObject({ at: 15 * min, value: 1, data: 'emf' });
    const again = evaluateOps({
      template,
      lines: [...lines, emf(11, 'GateUnreadable', 1)],
      invocations: [],
      queueDepth: () => 0,
      t0,
      end: t0 + 60 * min,
    });
    expect(again.fired).toContain('sustained');
  });

  test('queue depth at the end and failed invocations feed the SQS and Lambda alarms', () => {
    const failed = {
      functionName: 'svc-fn',
      ok: false,
      startedAt: new Date(t0 + min),
      endedAt: new Date(t0 + min),
    };
    const r = evaluateOps({
      template,
      lines: [],
      invocations: [failed as InvocationRecord, { ...failed, functionName: 'other' } as InvocationRecord],
      queueDepth: (id) => (id === 'Dlq' ? 1 : 0),
      t0,
      end: t0 + 30 * min,
    });
    expect(r.fired.sort()).toEqual(['dlq-depth', 'fn-errors']);
    expect(
      evaluateOps({ template, lines: [], invocations: [], queueDepth: () => 0, t0, end: t0 }).fired,
    ).toEqual([]);
  });
});
