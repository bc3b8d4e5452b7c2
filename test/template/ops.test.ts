/**
 * What an operator needs from the packaged stack (serverless/ops.cjs, serverless.yml): alarms on every
 * dead-letter queue and function, an alarm topic CloudWatch can publish to, a dashboard, state that
 * outlives `serverless remove`, Outputs, a kill switch the stack does not own, and production settings
 * checked at package time.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, inject, test } from 'vitest';
import type { Template } from '../helpers/package.ts';

const dir = inject('packagedDir');
const template = JSON.parse(
  readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
) as Template & {
  Resources: Record<string, { DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
  Outputs: Record<string, { Value: unknown }>;
};
const R = template.Resources;
type Props = Record<string, unknown>;
const props = (id: string) => R[id]!.Properties as Props;
const ofType = (t: string) => Object.keys(R).filter((id) => R[id]!.Type === t);
const alarmsOn = (metric: string) =>
  ofType('AWS::CloudWatch::Alarm').filter((id) => props(id).MetricName === metric);

const DLQS = [
  'EventTargetDeadLetterQueue',
  'FailedInvocationsQueue',
  'NotifyOutboxDeadLetterQueue',
  'PatchFailuresDeadLetterQueue',
  'RejectedEventsQueue',
  'SlackDeadLetterQueue',
];

describe('alarms', () => {
  test("every dead-letter queue's depth > 0 alarms, to the alarm topic", () => {
    const watched = alarmsOn('ApproximateNumberOfMessagesVisible').map(
      (id) =>
        ((props(id).Dimensions as { Value: { 'Fn::GetAtt': string[] } }[])[0]!.Value['Fn::GetAtt'] ?? [])[0],
    );
    expect(watched.sort()).toEqual(DLQS);
    for (const id of alarmsOn('ApproximateNumberOfMessagesVisible')) {
      expect(props(id)).toMatchObject({
        Namespace: 'AWS/SQS',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: [{ Ref: 'AlarmTopic' }],
      });
    }
  });

  test('each function has an errors and a throttles alarm; async functions a destination-delivery alarm', () => {
    const fns = ofType('AWS::Lambda::Function');
    expect(fns.length).toBeGreaterThanOrEqual(6);
    const fnOf = (id: string) => (props(id).Dimensions as { Value: { Ref: string } }[])[0]!.Value.Ref;
    expect(alarmsOn('Errors').map(fnOf).sort()).toEqual([...fns].sort());
    expect(alarmsOn('Throttles').map(fnOf).sort()).toEqual([...fns].sort());
    expect(alarmsOn('DestinationDeliveryFailures').map(fnOf).sort()).toEqual(
      ['CompleteLambdaFunction', 'ReconcileLambdaFunction', 'RemediateLambdaFunction'].sort(),
    );
  });

  test('the breaker, the budget and held work alarm on the EMF metrics, service-wide', () => {
    for (const [metric, stat] of [
      ['BreakerOpen', 'Sum'],
      ['BudgetExhausted', 'Sum'],
      ['OldestHeldAgeSeconds', 'Maximum'],
    ] as const) {
      const [id] = alarmsOn(metric);
      expect(id, metric).toBeDefined();
      expect(props(id!)).toMatchObject({
        Namespace: 'SsmRemediator',
        Statistic: stat,
        Dimensions: [
          { Name: 'service', Value: 'ssm-remediator' },
          { Name: 'stage', Value: 'sandbox' },
        ],
      });
    }
    expect(props(alarmsOn('OldestHeldAgeSeconds')[0]!).Threshold).toBe(360 * 60);
  });

  test('the alarm topic is encrypted with a customer-managed key whose policy lets CloudWatch use it', () => {
    expect(props('AlarmTopic').KmsMasterKeyId).toEqual({ Ref: 'AlarmKey' });
    const key = props('AlarmKey') as { KeyPolicy: { Statement: Props[] }; EnableKeyRotation: boolean };
    expect(key.EnableKeyRotation).toBe(true);
    expect(key.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    // No subscription: who is paged is the operator's choice.
    expect(ofType('AWS::SNS::Subscription').map((id) => props(id).TopicArn)).not.toContainEqual({
      Ref: 'AlarmTopic',
    });
  });

  test('one dashboard: findings in, outcomes, executions, failures, guards, alarms', () => {
    const [id] = ofType('AWS::CloudWatch::Dashboard');
    const body = JSON.parse((props(id!).DashboardBody as { 'Fn::Sub': string })['Fn::Sub']) as {
      widgets: { type: string; properties: { title: string } }[];
    };
    const titles = body.widgets.map((w) => w.properties.title).join('\n');
    for (const t of ['Findings in', 'Outcomes', 'Executions', 'Failures', 'Guards', 'Alarms'])
      expect(titles).toContain(t);
    expect(JSON.stringify(body)).toContain('MetricName=\\"Findings\\"');
  });
});

describe('state and deploys', () => {
  test('the ledger and every dead-letter queue are retained; the ledger has deletion protection', () => {
    for (const id of ['LedgerTable', ...DLQS]) {
      expect(R[id]!.DeletionPolicy, id).toBe('Retain');
      expect(R[id]!.UpdateReplacePolicy, id).toBe('Retain');
    }
    expect(props('LedgerTable').DeletionProtectionEnabled).toBe(true);
  });

  test('the kill switch is not owned by the stack (absent = off), so no deploy resets it', () => {
    const names = ofType('AWS::SSM::Parameter').map((id) => String(props(id).Name));
    expect(names.filter((n) => /kill-switch|\/mode\//.test(n))).toEqual([]);
  });

  test('Outputs: topics, table, bus, dashboard and every dead-letter queue', () => {
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining([
        'ResultsTopicArn',
        'AlarmTopicArn',
        'LedgerTableName',
        'EventBusName',
        'DashboardName',
        ...DLQS.map((q) => `${q}Url`),
      ]),
    );
    expect(template.Outputs['LedgerTableName']!.Value).toEqual({ Ref: 'LedgerTable' });
  });

  test('functions log JSON at the stage level, and no versions pile up', () => {
    for (const id of ofType('AWS::Lambda::Function'))
      expect(props(id).LoggingConfig, id).toEqual({
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'INFO',
      });
    expect(ofType('AWS::Lambda::Version')).toEqual([]);
  });

  test('the stack is tagged', () => {
    const state = JSON.parse(readFileSync(join(dir, 'serverless-state.json'), 'utf8')) as {
      service: { provider: { stackTags: Record<string, string> } };
    };
    expect(state.service.provider.stackTags).toEqual({ service: 'ssm-remediator', stage: 'sandbox' });
  });
});

describe('production settings are checked at package time', () => {
  const root = resolve(import.meta.dirname, '../..');
  const pack = (...args: string[]) =>
    new Promise<string>((done) => {
      const out = mkdtempSync(join(tmpdir(), 'ops-prod-'));
      execFile(
        process.execPath,
        [
          join(root, 'node_modules/serverless/bin/serverless.js'),
          'package',
          '--stage',
          'prod',
          '--package',
          out,
          ...args,
        ],
        {
          cwd: root,
          env: {
            ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))),
            SLS_TELEMETRY_DISABLED: '1',
            CI: '1',
          },
          timeout: 120_000,
        },
        (_e, stdout, stderr) => {
          rmSync(out, { recursive: true, force: true });
          done(`${stdout}\n${stderr}`);
        },
      );
    });

  test('a prod stage without defaultCalendars or an Automation role stops, naming both params', async () => {
    const out = await pack();
    expect(out).toContain('stage prod is a production stage');
    expect(out).toContain('params.prod.defaultCalendars');
    expect(out).toContain('params.prod.automationAssumeRole');
    expect(out).not.toContain('Service packaged');
  }, 120_000);

  test('with defaultCalendars set, only the missing role is named', async () => {
    const out = await pack('--param', 'defaultCalendars=prod-changes');
    expect(out).not.toContain('does not set defaultCalendars');
    expect(out).toContain('does not set automationAssumeRole');
  }, 120_000);
});
