'use strict';
/**
 * Every Lambda function's IAM, in one place. The plugin (remediator-plugin.cjs) builds each function's
 * role from this file: nothing about a Lambda role is hand-written in serverless.yml.
 *
 * A function's role is the union of
 *   1. what its serverless.yml config implies: its log group; the SQS queue its `sqs` event reads; the
 *      queue of its `destinations.onFailure` (Lambda delivers the record with the function's role);
 *   2. the grants of the adapters it wires (`ADAPTERS` below: one entry per src/adapters/ file that
 *      calls AWS, `<file>:<variant>` when two functions use one adapter on different resources);
 *   3. for a function that acts (`acts`: the trigger families it runs), the statements derived from
 *      the remediations of those families (scripts/derive.ts): their runbooks and commands,
 *      ssm:AddTagsToResource on the executions, iam:PassRole on their Automation assume roles only;
 * and then the plugin's cross-cutting rules (least-privilege.cjs): ledger writes only under the
 * dynamodb:LeadingKeys of those families (`ledgerKeys: 'all'` for a function that completes every
 * remediation, or its own patterns from src/core/ledger-keys.ts; a function that writes the ledger with
 * neither is refused), an explicit Deny on the Slack webhook SecureString for all but its reader, kms:Decrypt
 * on the stage's webhookKmsKeyArn for every role that reads parameters.
 *
 * Adding a function: its entry in FUNCTIONS (`role`, `adapters`, optional `acts`/`ledgerKeys`), and an
 * ADAPTERS entry for any adapter that has none yet. serverless.yml names the role (`role: <Role>`).
 */

/** CloudFormation helpers. */
const sub = (s) => ({ 'Fn::Sub': s });
const ref = (id) => ({ Ref: id });
const arnOf = (id) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const allow = (Sid, Action, Resource, Condition) => ({
  Sid,
  Effect: 'Allow',
  Action,
  Resource,
  ...(Condition ? { Condition } : {}),
});

const SSM = 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}';
const CONFIG_RULES = sub('arn:${AWS::Partition}:config:${AWS::Region}:${AWS::AccountId}:config-rule/*');
/** By name, not GetAtt: the bus's policy names the roles that may put events (no circular dependency). */
const bus = (stage) =>
  sub(`arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/ssm-remediator-${stage}`);
/** events:PutEvents of one source and detail-type on the service's bus (serverless/bus-policy.cjs). */
const putOwnEvent = (Sid, detailType) => (c) => [
  allow(Sid, 'events:PutEvents', bus(c.stage), {
    StringEquals: { 'events:source': 'ssm-remediator', 'events:detail-type': detailType },
  }),
];
const LEDGER = [arnOf('LedgerTable'), sub('${LedgerTable.Arn}/index/*')];

/**
 * What each adapter calls, as IAM statements; `c` is { stage, webhookParam, signingSecretParam, botTokenParam }. Statements with the same
 * Sid, Action and Condition in one role are merged (their resources joined).
 */
const ADAPTERS = {
  'switches-parameter-store': (c) => [
    allow(
      'ReadSwitches',
      ['ssm:GetParameter', 'ssm:GetParameters'],
      sub(`${SSM}:parameter/ssm-remediator/${c.stage}/*`),
    ),
  ],
  'calendar-ssm': () => [
    allow(
      'ReadCalendars',
      'ssm:GetCalendarState',
      sub('arn:${AWS::Partition}:ssm:${AWS::Region}:*:document/*'),
    ),
  ],
  // DescribeInstanceInformation has no resource-level permissions.
  'fleet-ssm': () => [allow('ReadAgentStatus', 'ssm:DescribeInstanceInformation', '*')],
  'agent-inventory-ssm': () => [allow('ReadAgentStatus', 'ssm:DescribeInstanceInformation', '*')],
  'tags-tagging-api': () => [allow('ReadOptOutTags', 'tag:GetResources', '*')],
  // Writes are narrowed to the function's dynamodb:LeadingKeys by the plugin (LedgerWrites).
  'ledger-dynamodb': () => [
    allow(
      'Ledger',
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:Query',
      ],
      LEDGER,
    ),
  ],
  // The agent sweep's debounce counters and cursor: items whose partition key is COUNTER#agent-health.
  'sweep-cursor-dynamodb': () => [
    allow(
      'DebounceCounters',
      ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
      arnOf('LedgerTable'),
      {
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['COUNTER#agent-health'] },
      },
    ),
  ],
  'notifier-sns': () => [allow('Report', 'sns:Publish', ref('ResultsTopic'))],
  'notify-outbox-sqs': () => [allow('NotifyOutbox', 'sqs:SendMessage', arnOf('NotifyOutboxQueue'))],
  // Notifications whose Publish failed are published again (src/core/outbox.ts).
  'notify-outbox-sqs:sweep': () => [
    allow('SweepNotifyOutbox', ['sqs:ReceiveMessage', 'sqs:DeleteMessage'], arnOf('NotifyOutboxQueue')),
  ],
  'dead-letter-sqs': () => [allow('DeadLetters', 'sqs:SendMessage', arnOf('RejectedEventsQueue'))],
  // Findings whose invocation failed are read back and handled again (src/core/redrive.ts).
  'failed-invocations-sqs': () => [
    allow(
      'RedriveFailedInvocations',
      ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
      arnOf('FailedInvocationsQueue'),
    ),
  ],
  'ssm-executions': () => [
    allow('ReadAutomationExecutions', 'ssm:GetAutomationExecution', sub(`${SSM}:automation-execution/*`)),
    allow('ReadCommands', ['ssm:ListCommands', 'ssm:ListCommandInvocations'], '*'),
  ],
  // Recovery by tag (src/core/recovery.ts): DescribeAutomationExecutions has no resource type.
  'ssm-own-executions': () => [
    allow('FindOwnAutomationExecutions', 'ssm:DescribeAutomationExecutions', '*'),
    allow('ReadOwnExecutionTags', 'ssm:ListTagsForResource', sub(`${SSM}:automation-execution/*`)),
  ],
  'config-compliance': () => [
    allow('VerifyWithConfig', 'config:StartConfigRulesEvaluation', CONFIG_RULES),
    allow('ReadConfigCompliance', 'config:GetComplianceDetailsByResource', '*'),
  ],
  // Backfill lists each rule's NON_COMPLIANT resources.
  'config-noncompliant': () => [
    allow('ListNonCompliant', 'config:GetComplianceDetailsByConfigRule', CONFIG_RULES),
  ],
  'events-publisher:agent-disconnected': putOwnEvent('AnnounceDisconnectedAgents', 'SSM Agent Disconnected'),
  // A freed admission slot with work held (docs/quota-waits.md).
  'events-publisher:slot-freed': putOwnEvent('SignalAdmissionSlotFreed', 'Admission Slot Freed'),
  // Mode `approve` (docs/approvals.md): the callback reads a request and decides it once (a
  // conditional UpdateItem), only on APPROVAL# items; it reads the signing secret (the same SecureString
  // reader as the webhook, slack-webhook-param.ts) and signals reconcile (approval-signal-eventbridge.ts).
  'approvals-dynamodb:decide': () => [
    allow('ReadApprovals', 'dynamodb:GetItem', arnOf('LedgerTable'), {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['APPROVAL#*'] },
    }),
    allow('DecideApprovals', 'dynamodb:UpdateItem', arnOf('LedgerTable'), {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['APPROVAL#*'] },
    }),
  ],
  'slack-webhook-param:signing-secret': (c) => [
    allow('ReadSigningSecret', 'ssm:GetParameter', sub(`${SSM}:parameter${c.signingSecretParam}`)),
  ],
  // Members of the approvers' Slack user groups (slack-usergroups.ts) need the bot token: the same reader.
  'slack-webhook-param:bot-token': (c) =>
    c.botTokenParam
      ? [allow('ReadSlackBotToken', 'ssm:GetParameter', sub(`${SSM}:parameter${c.botTokenParam}`))]
      : [],
  'approval-signal-eventbridge': putOwnEvent('SignalApprovalDecided', 'Approval Decided'),
  'slack-webhook-param': (c) => [
    allow('ReadWebhook', 'ssm:GetParameter', sub(`${SSM}:parameter${c.webhookParam}`)),
  ],
};

/** What every function that reports wires (src/handlers/lib/deps.ts sharedDeps). */
const SHARED = ['switches-parameter-store', 'ledger-dynamodb', 'notifier-sns', 'notify-outbox-sqs'];
/** What the engine wires on top (engineDeps); its Automation and Run Command calls come from `acts`. */
const ENGINE = ['calendar-ssm', 'fleet-ssm', 'tags-tagging-api', 'dead-letter-sqs'];
/** What completion wires on top (completionDeps). */
const COMPLETION = ['ssm-executions', 'config-compliance'];

/** Every function (serverless.yml `functions`), its role's logical id, its adapters, what it acts for. */
const FUNCTIONS = {
  remediate: {
    role: 'RemediateRole',
    // A failed start gives its admission slot back and wakes held work (src/handlers/remediate.ts).
    adapters: [...SHARED, ...ENGINE, 'events-publisher:slot-freed'],
    // The Config rule, our SSM Agent Disconnected rule and the association rules (serverless.yml events).
    acts: ['config.noncompliant', 'agent.disconnected', 'association.failed'],
  },
  complete: {
    role: 'CompleteRole',
    adapters: [...SHARED, ...COMPLETION, 'events-publisher:slot-freed'],
    ledgerKeys: 'all',
  },
  reconcile: {
    role: 'ReconcileRole',
    adapters: [
      ...SHARED,
      ...COMPLETION,
      ...ENGINE,
      'ssm-own-executions',
      'config-noncompliant',
      'failed-invocations-sqs',
      'notify-outbox-sqs:sweep',
    ],
    // Releases deferred work of every family.
    acts: ['config.noncompliant', 'agent.disconnected', 'patch.failed', 'association.failed'],
  },
  patchFanout: {
    role: 'PatchFanoutRole',
    adapters: [...SHARED, ...ENGINE],
    acts: ['patch.failed'],
  },
  notifySlack: { role: 'NotifySlackRole', adapters: ['slack-webhook-param'] },
  // Slack's signed Approve/Reject clicks (src/handlers/approval-callback.ts); posts only to Slack's
  // response_url (no AWS call).
  approvalCallback: {
    role: 'ApprovalCallbackRole',
    adapters: [
      'slack-webhook-param:signing-secret',
      'slack-webhook-param:bot-token',
      'approvals-dynamodb:decide',
      'approval-signal-eventbridge',
    ],
  },
  agentSweep: {
    role: 'AgentSweepRole',
    adapters: [
      'switches-parameter-store',
      'agent-inventory-ssm',
      'events-publisher:agent-disconnected',
      'sweep-cursor-dynamodb',
      'notifier-sns',
      'notify-outbox-sqs',
    ],
  },
};

/** The acting roles with the trigger families each one's function runs. */
const ACTING_ROLES = Object.fromEntries(
  Object.values(FUNCTIONS)
    .filter((f) => f.acts)
    .map((f) => [f.role, f.acts]),
);

const logicalIdOfArn = (v) =>
  v && v['Fn::GetAtt'] ? v['Fn::GetAtt'][0] : typeof v === 'string' && !v.startsWith('arn:') ? v : undefined;

/** What a function's serverless.yml config implies: its logs, the queue it consumes, its failure destination. */
function platformStatements(fn) {
  const out = [
    allow(
      'Logs',
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      sub(
        `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${fn.name}:*`,
      ),
    ),
  ];
  for (const e of fn.events ?? []) {
    if (!e.sqs) continue;
    const arn = typeof e.sqs === 'string' ? e.sqs : e.sqs.arn;
    const id = logicalIdOfArn(arn);
    out.push(
      allow(
        `Consume${String(id ?? 'Queue').replace(/Queue$/, '')}`,
        ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
        arn,
      ),
    );
  }
  const failure = fn.destinations?.onFailure;
  if (failure && (failure.type === 'sqs' || /:sqs:/.test(JSON.stringify(failure)))) {
    out.push(allow('DeadLetters', 'sqs:SendMessage', failure.arn ?? failure));
  }
  return out;
}

/** Joins the resources of statements with the same Sid, Effect, Action and Condition (first one's place). */
function merge(statements) {
  const out = [];
  const key = (s) => JSON.stringify([s.Sid, s.Effect, s.Action, s.Condition ?? null]);
  const seen = new Map();
  for (const s of statements) {
    const k = key(s);
    const prior = seen.get(k);
    if (!prior) {
      const copy = { ...s };
      seen.set(k, copy);
      out.push(copy);
      continue;
    }
    const rs = [].concat(prior.Resource);
    for (const r of [].concat(s.Resource))
      if (!rs.some((x) => JSON.stringify(x) === JSON.stringify(r))) rs.push(r);
    prior.Resource = rs.length === 1 ? rs[0] : rs;
  }
  return out;
}

/**
 * The statements of one function's role before the derived runbook IAM: platform + adapters, merged.
 * `fn` is the function's resolved serverless.yml config (`name`, `events`, `destinations`).
 */
function functionStatements(fnName, fn, ctx) {
  const decl = FUNCTIONS[fnName];
  if (!decl)
    throw new Error(`remediator: function ${fnName} has no IAM entry in serverless/iam.cjs FUNCTIONS`);
  const adapters = decl.adapters.flatMap((a) => {
    const grant = ADAPTERS[a];
    if (!grant)
      throw new Error(`remediator: ${fnName}: adapter ${a} has no entry in serverless/iam.cjs ADAPTERS`);
    return grant(ctx);
  });
  return merge([...platformStatements(fn), ...adapters]);
}

/** A Lambda execution role holding `statements` as one inline policy named after the function. */
function lambdaRole(fnName, statements) {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      Policies: [
        {
          PolicyName: fnName.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
          PolicyDocument: { Version: '2012-10-17', Statement: statements },
        },
      ],
    },
  };
}

module.exports = {
  ADAPTERS,
  FUNCTIONS,
  ACTING_ROLES,
  functionStatements,
  lambdaRole,
  merge,
  platformStatements,
};
