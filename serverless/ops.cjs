'use strict';
/**
 * Local Serverless plugin: what an operator needs from the stack, generated so serverless.yml stays
 * about the service (docs/operating.md "Alarms and what to do").
 *
 * - Alarms: every dead-letter queue's depth, each function's errors and throttles, destination
 *   delivery failures, the circuit breaker, the spent budget, the oldest held work; all to an alarm
 *   topic encrypted with a customer-managed KMS key that CloudWatch may use (the results topic's
 *   AWS-managed key cannot be used by CloudWatch). Subscribing to the alarm topic is the operator's.
 * - One CloudWatch dashboard: findings in, outcomes, executions, failures, guard states.
 * - State that outlives the stack: DeletionPolicy/UpdateReplacePolicy Retain on the ledger (with
 *   DynamoDB deletion protection) and on every dead-letter queue.
 * - Outputs: topics, table, queues, bus, dashboard.
 * - Package-time checks of a production stage's settings (`production: true` in its params).
 */

/** The EMF namespace the functions write (src/adapters/metrics-emf.ts METRICS_NAMESPACE). */
const NAMESPACE = 'SsmRemediator';
const SERVICE = 'ssm-remediator';

/** Params a production stage must set: each with why it matters. */
const PROD_REQUIRED = {
  defaultCalendars:
    'the change calendars every remediation must find OPEN unless it names its own; without it calendar gating fails closed (nothing acts)',
  automationAssumeRole:
    "the role SSM Automation assumes: an IAM role ARN, or derivedAutomationRoles: 'true' for the roles the service ships per remediation",
};

/** A param counts as set when non-empty; automationAssumeRole also when derivedAutomationRoles is 'true'. */
const isSet = (custom, k) =>
  String(custom[k] ?? '').trim() !== '' ||
  (k === 'automationAssumeRole' && String(custom.derivedAutomationRoles ?? '') === 'true');

const ref = (id) => ({ Ref: id });
const att = (id, a) => ({ 'Fn::GetAtt': [id, a] });
const idOf = (v) => v?.Ref ?? v?.['Fn::GetAtt']?.[0];

/** Every SQS queue that keeps what the service could not handle: redrive targets, event-target and destination DLQs, the rejected-events queue. */
function deadLetterQueues(resources) {
  const ids = new Set();
  for (const r of Object.values(resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::SQS::Queue' && p.RedrivePolicy) ids.add(idOf(p.RedrivePolicy.deadLetterTargetArn));
    if (r.Type === 'AWS::Events::Rule')
      for (const t of p.Targets ?? []) if (t.DeadLetterConfig) ids.add(idOf(t.DeadLetterConfig.Arn));
    if (r.Type === 'AWS::Lambda::EventInvokeConfig') {
      const d = p.DestinationConfig?.OnFailure?.Destination;
      if (d) ids.add(idOf(d));
    }
    if (r.Type === 'AWS::Lambda::Function') {
      const dlq = p.Environment?.Variables?.DEAD_LETTER_QUEUE_URL;
      if (dlq) ids.add(idOf(dlq));
    }
  }
  return [...ids].filter((id) => id && resources[id]?.Type === 'AWS::SQS::Queue').sort();
}

function alarm(stage, name, description, props) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: `${SERVICE}-${stage}-${name}`,
      AlarmDescription: `${description} Runbook: docs/operating.md#alarms-and-what-to-do`,
      ActionsEnabled: true,
      AlarmActions: [ref('AlarmTopic')],
      OKActions: [ref('AlarmTopic')],
      TreatMissingData: 'notBreaching',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      ...props,
    },
  };
}

const serviceMetric = (stage, name, stat, period) => ({
  Namespace: NAMESPACE,
  MetricName: name,
  Dimensions: [
    { Name: 'service', Value: SERVICE },
    { Name: 'stage', Value: stage },
  ],
  Statistic: stat,
  Period: period,
});

/** The alarms, by logical id. */
function alarms(template, stage, opts) {
  const res = template.Resources;
  const out = {};
  for (const q of deadLetterQueues(res)) {
    out[`${q}DepthAlarm`] = alarm(
      stage,
      `${q}-depth`,
      `Messages are waiting in ${q}: something the service could not handle is kept there.`,
      {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: att(q, 'QueueName') }],
        Statistic: 'Maximum',
        Period: 300,
      },
    );
  }
  const functions = Object.entries(res).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  const withDestination = new Set(
    Object.values(res)
      .filter(
        (r) => r.Type === 'AWS::Lambda::EventInvokeConfig' && r.Properties?.DestinationConfig?.OnFailure,
      )
      .map((r) => r.Properties.FunctionName?.Ref),
  );
  for (const [id] of functions) {
    const lambda = (metric, props = {}) => ({
      Namespace: 'AWS/Lambda',
      MetricName: metric,
      Dimensions: [{ Name: 'FunctionName', Value: ref(id) }],
      Statistic: 'Sum',
      Period: 300,
      ...props,
    });
    const short = id.replace(/LambdaFunction$/, '');
    out[`${short}ErrorsAlarm`] = alarm(
      stage,
      `${short}-errors`,
      `${short} invocations failed (Lambda retries async invocations, then the failed-invocations queue keeps them).`,
      lambda('Errors'),
    );
    // Reserved concurrency throttles by design (one reconcile at a time): page only when it lasts.
    out[`${short}ThrottlesAlarm`] = alarm(
      stage,
      `${short}-throttles`,
      `${short} was throttled in 3 consecutive 5-minute periods (reserved concurrency too low for the load).`,
      lambda('Throttles', { EvaluationPeriods: 3, DatapointsToAlarm: 3 }),
    );
    if (withDestination.has(id))
      out[`${short}DestinationDeliveryFailuresAlarm`] = alarm(
        stage,
        `${short}-destination-delivery-failures`,
        `Lambda could not deliver ${short}'s failed invocations to the on-failure queue: those events are lost.`,
        lambda('DestinationDeliveryFailures'),
      );
  }
  out.BreakerOpenAlarm = alarm(
    stage,
    'breaker-open',
    "A remediation's circuit breaker is open: findings are skipped because its recent executions failed.",
    serviceMetric(stage, 'BreakerOpen', 'Sum', 300),
  );
  out.BudgetExhaustedAlarm = alarm(
    stage,
    'budget-exhausted',
    'The hourly execution budget is spent: findings are held until it allows.',
    serviceMetric(stage, 'BudgetExhausted', 'Sum', 300),
  );
  out.HeldWorkAgeAlarm = alarm(
    stage,
    'held-work-age',
    `Work has been held in the ledger over ${opts.heldAlarmMinutes} minutes (calendar closed, gate unreadable, SSM refusing, budget).`,
    {
      ...serviceMetric(stage, 'OldestHeldAgeSeconds', 'Maximum', 900),
      Threshold: opts.heldAlarmMinutes * 60,
    },
  );
  return out;
}

/** The alarm topic and its customer-managed key (CloudWatch may encrypt with it). */
function alarmTopic(stage) {
  return {
    AlarmKey: {
      Type: 'AWS::KMS::Key',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        Description: `${SERVICE}-${stage}: encrypts the alarm topic; CloudWatch alarms may use it to publish`,
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AccountAdministers',
              Effect: 'Allow',
              Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
              Action: 'kms:*',
              Resource: '*',
            },
            {
              Sid: 'CloudWatchAlarmsPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Resource: '*',
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            },
          ],
        },
      },
    },
    AlarmKeyAlias: {
      Type: 'AWS::KMS::Alias',
      Properties: { AliasName: `alias/${SERVICE}-${stage}-alarms`, TargetKeyId: ref('AlarmKey') },
    },
    AlarmTopic: {
      Type: 'AWS::SNS::Topic',
      Properties: { TopicName: `${SERVICE}-${stage}-alarms`, KmsMasterKeyId: ref('AlarmKey') },
    },
    AlarmTopicPolicy: {
      Type: 'AWS::SNS::TopicPolicy',
      Properties: {
        Topics: [ref('AlarmTopic')],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'CloudWatchAlarmsPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: ref('AlarmTopic'),
              Condition: {
                ArnLike: {
                  'aws:SourceArn': {
                    'Fn::Sub': 'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*',
                  },
                },
              },
            },
          ],
        },
      },
    },
  };
}

/** The dashboard: findings in → outcomes → executions → failures, and the guards. */
function dashboard(template, stage, alarmIds) {
  const res = template.Resources;
  const sub = (v) => `\${${v}}`;
  const search = (dims, extra, stat) =>
    `SEARCH('{${NAMESPACE},${dims}} MetricName="${extra}" service="${SERVICE}" stage="${stage}"', '${stat}', 300)`;
  const expr = (e, label) => [{ expression: e, label, id: `e${Math.abs(hash(e + label))}` }];
  const svc = (name, stat = 'Sum') => [NAMESPACE, name, 'service', SERVICE, 'stage', stage, { stat }];
  const widget = (x, y, w, title, props) => ({
    type: 'metric',
    x,
    y,
    width: w,
    height: 6,
    properties: { title, region: sub('AWS::Region'), view: 'timeSeries', period: 300, ...props },
  });
  const fns = Object.keys(res).filter((id) => res[id].Type === 'AWS::Lambda::Function');
  const dlqs = deadLetterQueues(res);
  const body = {
    widgets: [
      widget(0, 0, 8, '1. Findings in, by trigger family', {
        metrics: [expr(search('family,service,stage', 'Findings', 'Sum'), '')],
        stat: 'Sum',
      }),
      widget(8, 0, 8, '2. Outcomes, by outcome and code', {
        metrics: [expr(search('code,outcome,service,stage', 'Outcomes', 'Sum'), '')],
        stat: 'Sum',
      }),
      widget(16, 0, 8, '3. Executions', {
        metrics: [
          svc('ExecutionsStarted'),
          svc('ExecutionsSucceeded'),
          svc('ExecutionsFailed'),
          svc('NotificationFailures'),
        ],
      }),
      widget(0, 6, 8, '4. Failures: function errors', {
        metrics: fns.map((id) => ['AWS/Lambda', 'Errors', 'FunctionName', sub(id), { stat: 'Sum' }]),
      }),
      widget(8, 6, 8, '4. Failures: dead-letter queue depths', {
        metrics: dlqs.map((q) => [
          'AWS/SQS',
          'ApproximateNumberOfMessagesVisible',
          'QueueName',
          sub(`${q}.QueueName`),
          { stat: 'Maximum' },
        ]),
      }),
      widget(16, 6, 8, 'Decision latency (event time to decision)', {
        metrics: [svc('DecisionLatency', 'p50'), svc('DecisionLatency', 'p99')],
      }),
      widget(0, 12, 8, 'Guards: breaker, budget, unreadable gates', {
        metrics: [svc('BreakerOpen'), svc('BudgetExhausted'), svc('GateUnreadable')],
      }),
      widget(8, 12, 8, 'Guards: held work (count, oldest age in s)', {
        metrics: [svc('HeldWork', 'Maximum'), svc('OldestHeldAgeSeconds', 'Maximum')],
      }),
      {
        type: 'alarm',
        x: 16,
        y: 12,
        width: 8,
        height: 6,
        properties: { title: 'Alarms', alarms: alarmIds.map((id) => sub(`${id}.Arn`)) },
      },
    ],
  };
  return {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: {
      DashboardName: `${SERVICE}-${stage}`,
      DashboardBody: { 'Fn::Sub': JSON.stringify(body) },
    },
  };
}

function hash(s) {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

/** Retain what must outlive the stack: the ledger (audit trail, deferrals) and what the DLQs hold. */
function retainState(template) {
  const res = template.Resources;
  const ledger = res.LedgerTable;
  if (!ledger) throw new Error('remediator ops: LedgerTable is not in the template');
  for (const id of ['LedgerTable', ...deadLetterQueues(res)]) {
    res[id].DeletionPolicy = 'Retain';
    res[id].UpdateReplacePolicy = 'Retain';
  }
  ledger.Properties.DeletionProtectionEnabled = true;
}

function outputs(template, stage) {
  const res = template.Resources;
  const out = {};
  const put = (key, description, value) => {
    out[key] = { Description: description, Value: value, Export: { Name: `${SERVICE}-${stage}-${key}` } };
  };
  put('ResultsTopicArn', 'Results topic: one message per outcome', ref('ResultsTopic'));
  put('AlarmTopicArn', 'Alarm topic: subscribe the on-call here', ref('AlarmTopic'));
  put('LedgerTableName', 'Ledger table (history, held work, guards)', ref('LedgerTable'));
  put('EventBusName', "The service's own event bus", ref('RemediatorBus'));
  put('DashboardName', 'CloudWatch dashboard', ref('OpsDashboard'));
  for (const q of deadLetterQueues(res)) put(`${q}Url`, `Dead-letter queue ${q}`, ref(q));
  return out;
}

/** A production stage stops at package time when a setting it needs is missing, naming the param. */
function validateProduction(custom, stage) {
  if (String(custom.production ?? 'false') !== 'true') return;
  const missing = Object.keys(PROD_REQUIRED).filter((k) => !isSet(custom, k));
  if (missing.length === 0) return;
  throw new Error(
    `remediator: stage ${stage} is a production stage (params.${stage}.production: true) and does not set ` +
      missing.map((k) => `${k} (${PROD_REQUIRED[k]})`).join('; ') +
      `. Set ${missing.map((k) => `params.${stage}.${k}`).join(' and ')} in serverless.yml (or --param ${missing[0]}=...).`,
  );
}

class OpsPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:package:initialize': () => this.validate(),
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.addOps(),
    };
  }

  validate() {
    const s = this.serverless.service;
    validateProduction(s.custom?.remediatorOps ?? {}, s.provider.stage);
  }

  addOps() {
    const s = this.serverless.service;
    const stage = s.provider.stage;
    const custom = s.custom?.remediatorOps ?? {};
    validateProduction(custom, stage);
    const template = s.provider.compiledCloudFormationTemplate;
    retainState(template);
    Object.assign(template.Resources, alarmTopic(stage));
    const a = alarms(template, stage, { heldAlarmMinutes: Number(custom.heldAlarmMinutes ?? 360) });
    Object.assign(template.Resources, a);
    template.Resources.OpsDashboard = dashboard(template, stage, Object.keys(a));
    template.Outputs = { ...(template.Outputs ?? {}), ...outputs(template, stage) };
    this.serverless.cli.log(
      `remediator ops: ${Object.keys(a).length} alarm(s), dashboard ${SERVICE}-${stage}, ${deadLetterQueues(template.Resources).length} dead-letter queue(s) retained`,
    );
  }
}

module.exports = OpsPlugin;
module.exports.deadLetterQueues = deadLetterQueues;
module.exports.validateProduction = validateProduction;
module.exports.NAMESPACE = NAMESPACE;
