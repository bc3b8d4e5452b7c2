/** The packaged CloudFormation template (written offline by `serverless package`) holds what the issue asks for. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, test } from 'vitest';
import type { Resource, Statement, Template } from '../helpers/package.ts';

const template = JSON.parse(
  readFileSync(join(inject('packagedDir'), 'cloudformation-template-update-stack.json'), 'utf8'),
) as Template;
const resources = Object.entries(template.Resources);
const ofType = (t: string) => resources.filter(([, r]) => r.Type === t);
const statements = (r: Resource): Statement[] =>
  r.Properties?.Policies?.flatMap((p) => p.PolicyDocument.Statement) ?? [];
const props = (r: Resource) => r.Properties as Record<string, unknown>;

describe('packaged template', () => {
  test('the Config non-compliance rule targets the remediate function with a retry policy and a dead-letter queue', () => {
    const rule = ofType('AWS::Events::Rule').find(([, r]) => {
      const p = props(r).EventPattern as { source?: string[] } | undefined;
      return p?.source?.includes('aws.config');
    });
    expect(rule, 'a rule with source aws.config').toBeDefined();
    const p = props(rule![1]);
    expect(p.EventPattern).toEqual({
      source: ['aws.config'],
      'detail-type': ['Config Rules Compliance Change'],
      detail: {
        messageType: ['ComplianceChangeNotification'],
        newEvaluationResult: { complianceType: ['NON_COMPLIANT'] },
      },
    });
    const [target] = p.Targets as Array<Record<string, unknown>>;
    expect(JSON.stringify(target!.Arn)).toContain('RemediateLambdaFunction');
    expect(target!.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 });
    expect(JSON.stringify(target!.DeadLetterConfig)).toContain('EventTargetDeadLetterQueue');
  });

  test('the remediate function: nodejs22.x, its own role, the esbuild bundle, and an on-failure destination', () => {
    const fn = template.Resources.RemediateLambdaFunction!;
    expect(fn.Type).toBe('AWS::Lambda::Function');
    expect(props(fn).Runtime).toBe('nodejs22.x');
    expect(props(fn).Handler).toBe('.build/remediate/index.handler');
    expect(JSON.stringify(props(fn).Role)).toContain('RemediateRole');
    const env = (props(fn).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining([
        'NOTIFY_OUTBOX_QUEUE_URL',
        'DEFAULT_CALENDARS',
        'AUTOMATION_ASSUME_ROLE_ARN',
        'LOG_LEVEL',
      ]),
    );
    // Only notifySlack knows where the webhook URL is.
    expect(Object.keys(env)).not.toContain('SLACK_WEBHOOK_PARAM');
    const invokeConfig = ofType('AWS::Lambda::EventInvokeConfig').find(([id]) => id.startsWith('Remediate'));
    expect(JSON.stringify(invokeConfig?.[1].Properties)).toContain('FailedInvocationsQueue');
  });

  test('the results topic exists and the remediate role may publish only to it', () => {
    expect(template.Resources.ResultsTopic?.Type).toBe('AWS::SNS::Topic');
    const publish = statements(template.Resources.RemediateRole!).find((s) =>
      [s.Action].flat().includes('sns:Publish'),
    );
    expect(publish?.Resource).toEqual({ Ref: 'ResultsTopic' });
  });

  test('IAM: every statement of every role names its actions (no `*` action), runbook actions name their documents', () => {
    const roles = ofType('AWS::IAM::Role');
    expect(roles.length).toBeGreaterThanOrEqual(2);
    for (const [id, role] of roles) {
      for (const s of statements(role)) {
        for (const a of [s.Action].flat()) expect(a, `${id} ${s.Sid}`).not.toMatch(/\*/);
      }
    }
    const start = statements(template.Resources.RemediateRole!).filter((s) =>
      [s.Action].flat().includes('ssm:StartAutomationExecution'),
    );
    expect(start.length).toBeGreaterThan(0);
    expect(JSON.stringify(start)).toContain(
      'automation-definition/AWS-DisablePublicAccessForSecurityGroup:*',
    );
    expect(JSON.stringify(start)).not.toMatch(/automation-definition\/\*/);
  });

  test('the ledger table: on-demand, TTL, point-in-time recovery', () => {
    const t = props(template.Resources.LedgerTable!);
    expect(t.BillingMode).toBe('PAY_PER_REQUEST');
    expect(t.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
    expect(t.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });
});

describe('on-failure destinations', () => {
  const fnRole = (fnId: string) => {
    const role = props(template.Resources[fnId]!).Role as { 'Fn::GetAtt': [string, string] };
    return role['Fn::GetAtt'][0];
  };
  const configs = ofType('AWS::Lambda::EventInvokeConfig');

  test('every function with an on-failure destination may send to exactly that queue (Lambda uses the function role)', () => {
    expect(configs.length).toBeGreaterThanOrEqual(3);
    for (const [id, cfg] of configs) {
      const p = props(cfg) as {
        FunctionName: { Ref: string };
        DestinationConfig?: { OnFailure?: { Destination: unknown } };
      };
      const dest = p.DestinationConfig?.OnFailure?.Destination;
      if (dest === undefined) continue;
      const role = fnRole(`${p.FunctionName.Ref}`);
      const send = statements(template.Resources[role]!).filter(
        (s) => s.Effect === 'Allow' && [s.Action].flat().includes('sqs:SendMessage'),
      );
      const queues = send.flatMap((s) => [s.Resource].flat());
      expect(queues, `${id}: ${role} sqs:SendMessage on its destination`).toContainEqual(dest);
    }
  });
});

describe('each acting role gets only the runbook statements of the remediations its function runs', () => {
  const granted = (role: string, action: string) =>
    statements(template.Resources[role]!)
      .filter((s) => s.Effect === 'Allow' && [s.Action].flat().includes(action))
      .flatMap((s) => [s.Resource].flat())
      .map((r) => JSON.stringify(r));

  test('the patch fan-out cannot restart instances or change S3 buckets and security groups', () => {
    expect(granted('PatchFanoutRole', 'ssm:StartAutomationExecution')).toEqual([]);
    expect(granted('PatchFanoutRole', 'ssm:SendCommand').join()).toContain('document/AWS-RunPatchBaseline');
    const all = statements(template.Resources.PatchFanoutRole!).flatMap((s) => [s.Action].flat());
    expect(all.filter((a) => /^(ec2|s3):/.test(a))).toEqual([]);
  });

  test('remediate cannot send AWS-RunPatchBaseline, but runs the Config and agent runbooks', () => {
    expect(granted('RemediateRole', 'ssm:SendCommand').join()).not.toContain('AWS-RunPatchBaseline');
    expect(granted('RemediateRole', 'ssm:StartAutomationExecution').join()).toContain(
      'automation-definition/SsmRemediator-RebootInstance:*',
    );
  });

  test('reconcile releases deferred work of every family, so it may act for all of them', () => {
    expect(granted('ReconcileRole', 'ssm:SendCommand').join()).toContain('AWS-RunPatchBaseline');
    expect(granted('ReconcileRole', 'ssm:StartAutomationExecution').join()).toContain(
      'SsmRemediator-RebootInstance',
    );
  });
});

test('every function has a small reserved concurrency (patchFanout at least its SQS maximumConcurrency)', () => {
  const fns = ofType('AWS::Lambda::Function');
  expect(fns.map(([id]) => id).sort()).toEqual(
    [
      'AgentSweepLambdaFunction',
      'ApprovalCallbackLambdaFunction',
      'CompleteLambdaFunction',
      'NotifySlackLambdaFunction',
      'PatchFanoutLambdaFunction',
      'ReconcileLambdaFunction',
      'RemediateLambdaFunction',
    ].sort(),
  );
  for (const [id, fn] of fns) {
    const reserved = props(fn).ReservedConcurrentExecutions;
    expect(typeof reserved, id).toBe('number');
    expect(reserved as number, id).toBeGreaterThanOrEqual(1);
    expect(reserved as number, id).toBeLessThanOrEqual(10);
  }
  const mapping = ofType('AWS::Lambda::EventSourceMapping').find(([id]) => id.startsWith('PatchFanout'))!;
  const max = (props(mapping[1]).ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency;
  expect(
    props(template.Resources.PatchFanoutLambdaFunction!).ReservedConcurrentExecutions,
  ).toBeGreaterThanOrEqual(max);
});

describe('notifications (issue 11, item 6)', () => {
  const reads = (s: Statement) => [s.Action].flat().some((a) => /^ssm:GetParameters?$/.test(String(a)));
  test('the webhook SecureString is read by notifySlack alone: its role allows it, every other role denies it', () => {
    const name = (
      props(template.Resources.NotifySlackLambdaFunction!).Environment as {
        Variables: Record<string, string>;
      }
    ).Variables['SLACK_WEBHOOK_PARAM']!;
    expect(name).toMatch(/^\/ssm-remediator\/[^/]+\/slack-webhook-url$/);
    const webhook = `:parameter${name}`;
    // Lambda execution roles (the Automation assume roles are SSM's and read no parameter at all).
    const lambdaRoles = ofType('AWS::IAM::Role').filter(([id]) => !id.startsWith('AutomationRole'));
    for (const [id, role] of lambdaRoles) {
      const touching = statements(role).filter(
        (s) => reads(s) && JSON.stringify(s.Resource).includes(webhook),
      );
      if (id === 'NotifySlackRole')
        expect(
          touching.map((s) => s.Effect),
          id,
        ).toEqual(['Allow']);
      else
        expect(
          touching.map((s) => s.Effect),
          id,
        ).toEqual(['Deny']);
    }
    // notifySlack reads its queue and the webhook, and publishes nothing.
    const actions = statements(template.Resources.NotifySlackRole!).flatMap((s) => [s.Action].flat());
    expect(actions.sort()).toEqual(
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:ChangeMessageVisibility',
        'ssm:GetParameter',
      ].sort(),
    );
  });

  test('Slack posts come from a queue subscribed raw to the results topic, few pollers, partial batch failures, a DLQ after days', () => {
    expect(props(template.Resources.ResultsToSlackSubscription!)).toMatchObject({
      TopicArn: { Ref: 'ResultsTopic' },
      Protocol: 'sqs',
      Endpoint: { 'Fn::GetAtt': ['SlackQueue', 'Arn'] },
      RawMessageDelivery: true,
    });
    const mapping = ofType('AWS::Lambda::EventSourceMapping').find(([id]) => id.startsWith('NotifySlack'))!;
    expect(props(mapping[1])).toMatchObject({
      MaximumBatchingWindowInSeconds: 300,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    const q = props(template.Resources.SlackQueue!) as {
      VisibilityTimeout: number;
      RedrivePolicy: { maxReceiveCount: number };
    };
    // Retried for at least three days before the dead-letter queue.
    expect(q.VisibilityTimeout * q.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(3 * 86_400);
  });

  test('every role that publishes results may hold a notification in the outbox; reconcile sweeps it', () => {
    for (const [id, role] of ofType('AWS::IAM::Role')) {
      const st = statements(role);
      if (!st.some((s) => [s.Action].flat().includes('sns:Publish'))) continue;
      const outbox = st.find((s) => s.Sid === 'NotifyOutbox');
      expect(outbox, id).toMatchObject({
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['NotifyOutboxQueue', 'Arn'] },
      });
    }
    const sweep = statements(template.Resources.ReconcileRole!).find((s) => s.Sid === 'SweepNotifyOutbox');
    expect(sweep?.Action).toEqual(['sqs:ReceiveMessage', 'sqs:DeleteMessage']);
  });
});
