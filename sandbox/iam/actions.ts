/**
 * Each sandbox operation → the IAM request(s) AWS authorizes for it: action, resource ARN(s) and the
 * condition keys AWS puts in the request context. One table for every service the sandbox serves;
 * action names and resource types follow the Service Authorization Reference. An operation not in the
 * table is authorized as `<prefix>:<Operation>` on `*` (what AWS does for actions with no resource type).
 */

export interface IamRequest {
  action: string;
  resource: string;
  context?: Record<string, string | string[] | undefined>;
}

/** What the table needs to know about the account to name resources and fill condition keys. */
export interface TableEnv {
  account: string;
  region: string;
  partition: string;
  /** A queue URL → its ARN (undefined for an unknown queue: the operation reports it). */
  queueArn(url: string): string | undefined;
  /** A managed instance's tags (undefined when the sandbox does not know it). */
  instanceTags(id: string): Record<string, string> | undefined;
  /** A DynamoDB table's partition-key attribute name, when the table is deployed. */
  partitionKey(table: string): string | undefined;
  /** A Config rule's ARN by name (config-rule/<id>), when known. */
  configRuleArn(name: string): string | undefined;
}

type Input = Record<string, unknown>;
type Row = (input: Input, env: TableEnv) => IamRequest[];

/** The IAM service prefix of each sandbox service name. */
const PREFIX: Record<string, string> = {
  ssm: 'ssm',
  sns: 'sns',
  sqs: 'sqs',
  events: 'events',
  tagging: 'tag',
  config: 'config',
  dynamodb: 'dynamodb',
};

const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
const records = (v: unknown): Input[] =>
  Array.isArray(v) ? v.filter((x): x is Input => typeof x === 'object' && x !== null) : [];

const arn = (env: TableEnv, service: string, resource: string, region = env.region, account = env.account) =>
  `arn:${env.partition}:${service}:${region}:${account}:${resource}`;

const parameterArn = (env: TableEnv, name: string): string =>
  name.startsWith('arn:') ? name : arn(env, 'ssm', `parameter/${name.replace(/^\//, '')}`);

/** AWS-owned documents have no account in their ARN. */
const AWS_OWNED = /^(AWS|AWSSupport|AWSConfigRemediation|AWSEC2|AWSFleetManager|AmazonCloudWatch|AWSDocs)-/;
export const documentArn = (env: TableEnv, name: string): string =>
  name.startsWith('arn:')
    ? name
    : arn(env, 'ssm', `document/${name}`, env.region, AWS_OWNED.test(name) ? '' : env.account);

const instanceArn = (env: TableEnv, id: string): string =>
  id.startsWith('mi-') ? arn(env, 'ssm', `managed-instance/${id}`) : arn(env, 'ec2', `instance/${id}`);

const tagContext = (prefix: string, tags: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [`${prefix}/${k}`, v]));

const queue =
  (action: string): Row =>
  (i, env) => [
    {
      action,
      resource:
        env.queueArn(s(i['QueueUrl']) ?? '') ?? arn(env, 'sqs', s(i['QueueUrl'])?.split('/').pop() ?? '*'),
    },
  ];
const queueByName =
  (action: string): Row =>
  (i, env) => [{ action, resource: arn(env, 'sqs', s(i['QueueName']) ?? '*') }];

const passRole = (roleArn: string, service: string): IamRequest => ({
  action: 'iam:PassRole',
  resource: roleArn,
  context: { 'iam:PassedToService': service },
});

/** DynamoDB: the table (or index) ARN and the partition-key values the request touches (dynamodb:LeadingKeys). */
function dynamo(action: string): Row {
  return (i, env) => {
    const table = s(i['TableName']) ?? '*';
    const index = s(i['IndexName']);
    const resource = arn(env, 'dynamodb', `table/${table}${index ? `/index/${index}` : ''}`);
    const leading = leadingKeys(i, env.partitionKey(table), !!index);
    return [{ action, resource, ...(leading ? { context: { 'dynamodb:LeadingKeys': leading } } : {}) }];
  };
}

const scalar = (av: unknown): string | undefined => {
  if (typeof av !== 'object' || av === null) return undefined;
  const a = av as Record<string, unknown>;
  return s(a['S']) ?? s(a['N']) ?? s(a['B']);
};

function leadingKeys(i: Input, pk: string | undefined, onIndex: boolean): string[] | undefined {
  if (!pk || onIndex) return undefined;
  const item = (i['Key'] ?? i['Item']) as Input | undefined;
  if (item) {
    const v = scalar(item[pk]);
    return v === undefined ? undefined : [v];
  }
  const expr = s(i['KeyConditionExpression']);
  if (!expr) return undefined;
  const names = (i['ExpressionAttributeNames'] ?? {}) as Record<string, string>;
  const values = (i['ExpressionAttributeValues'] ?? {}) as Record<string, unknown>;
  for (const clause of expr.split(/\s+and\s+/i)) {
    const m = /^\(?\s*([#\w.]+)\s*=\s*(:\w+)\s*\)?$/.exec(clause.trim());
    if (!m) continue;
    const name = m[1]!.startsWith('#') ? names[m[1]!] : m[1];
    if (name === pk) {
      const v = scalar(values[m[2]!]);
      return v === undefined ? undefined : [v];
    }
  }
  return undefined;
}

const TABLE: Record<string, Record<string, Row>> = {
  ssm: {
    GetParameter: (i, env) => [
      { action: 'ssm:GetParameter', resource: parameterArn(env, s(i['Name']) ?? '') },
    ],
    GetParameters: (i, env) =>
      strings(i['Names']).map((n) => ({ action: 'ssm:GetParameters', resource: parameterArn(env, n) })),
    GetParametersByPath: (i, env) => [
      { action: 'ssm:GetParametersByPath', resource: parameterArn(env, s(i['Path']) ?? '') },
    ],
    PutParameter: (i, env) => [
      { action: 'ssm:PutParameter', resource: parameterArn(env, s(i['Name']) ?? '') },
    ],
    DeleteParameter: (i, env) => [
      { action: 'ssm:DeleteParameter', resource: parameterArn(env, s(i['Name']) ?? '') },
    ],
    DeleteParameters: (i, env) =>
      strings(i['Names']).map((n) => ({ action: 'ssm:DeleteParameters', resource: parameterArn(env, n) })),
    GetParameterHistory: (i, env) => [
      { action: 'ssm:GetParameterHistory', resource: parameterArn(env, s(i['Name']) ?? '') },
    ],
    GetCalendarState: (i, env) =>
      strings(i['CalendarNames']).map((n) => ({
        action: 'ssm:GetCalendarState',
        resource: documentArn(env, n),
      })),
    StartAutomationExecution: (i, env) => {
      const name = s(i['DocumentName']) ?? '';
      const version = s(i['DocumentVersion']) ?? '$DEFAULT';
      const out: IamRequest[] = [
        {
          action: 'ssm:StartAutomationExecution',
          resource: arn(env, 'ssm', `automation-definition/${name}:${version}`),
        },
      ];
      // Tags on a new execution are authorized as ssm:AddTagsToResource on it.
      if (records(i['Tags']).length > 0)
        out.push({ action: 'ssm:AddTagsToResource', resource: arn(env, 'ssm', 'automation-execution/*') });
      const role = (i['Parameters'] as Record<string, unknown> | undefined)?.['AutomationAssumeRole'];
      for (const r of strings(role)) if (r !== '') out.push(passRole(r, 'ssm.amazonaws.com'));
      return out;
    },
    GetAutomationExecution: (i, env) => [
      {
        action: 'ssm:GetAutomationExecution',
        resource: arn(env, 'ssm', `automation-execution/${s(i['AutomationExecutionId']) ?? ''}`),
      },
    ],
    // The tags of an Automation execution are read on the execution (recovery by tag).
    ListTagsForResource: (i, env) => {
      const id = s(i['ResourceId']) ?? '';
      const type = s(i['ResourceType']);
      if (type === 'Automation')
        return [
          { action: 'ssm:ListTagsForResource', resource: arn(env, 'ssm', `automation-execution/${id}`) },
        ];
      if (type === 'Document') return [{ action: 'ssm:ListTagsForResource', resource: documentArn(env, id) }];
      return [{ action: 'ssm:ListTagsForResource', resource: '*' }];
    },
    StopAutomationExecution: (i, env) => [
      {
        action: 'ssm:StopAutomationExecution',
        resource: arn(env, 'ssm', `automation-execution/${s(i['AutomationExecutionId']) ?? ''}`),
      },
    ],
    SendCommand: (i, env) => {
      const out: IamRequest[] = [
        { action: 'ssm:SendCommand', resource: documentArn(env, s(i['DocumentName']) ?? '') },
      ];
      const ids = strings(i['InstanceIds']);
      for (const id of ids)
        out.push({
          action: 'ssm:SendCommand',
          resource: instanceArn(env, id),
          context: tagContext('ssm:resourceTag', env.instanceTags(id)),
        });
      // Targets (tags) are resolved by SSM; authorization is on every instance they could reach.
      if (ids.length === 0)
        out.push(
          { action: 'ssm:SendCommand', resource: arn(env, 'ec2', 'instance/*') },
          { action: 'ssm:SendCommand', resource: arn(env, 'ssm', 'managed-instance/*') },
        );
      const role = s(i['ServiceRoleArn']);
      if (role) out.push(passRole(role, 'ssm.amazonaws.com'));
      return out;
    },
    // State Manager (Service Authorization Reference: StartAssociationsOnce and DescribeAssociation on
    // `association`, DescribeInstanceAssociationsStatus on the instance).
    StartAssociationsOnce: (i, env) =>
      strings(i['AssociationIds']).map((id) => ({
        action: 'ssm:StartAssociationsOnce',
        resource: arn(env, 'ssm', `association/${id}`),
      })),
    DescribeAssociation: (i, env) => [
      {
        action: 'ssm:DescribeAssociation',
        resource: arn(env, 'ssm', `association/${s(i['AssociationId']) ?? '*'}`),
      },
    ],
    DescribeInstanceAssociationsStatus: (i, env) => [
      {
        action: 'ssm:DescribeInstanceAssociationsStatus',
        resource: instanceArn(env, s(i['InstanceId']) ?? ''),
      },
    ],
    CreateDocument: (i, env) => [
      { action: 'ssm:CreateDocument', resource: documentArn(env, s(i['Name']) ?? '') },
    ],
    DescribeDocument: (i, env) => [
      { action: 'ssm:DescribeDocument', resource: documentArn(env, s(i['Name']) ?? '') },
    ],
    GetDocument: (i, env) => [{ action: 'ssm:GetDocument', resource: documentArn(env, s(i['Name']) ?? '') }],
  },
  sns: {
    Publish: (i, env) => [
      { action: 'sns:Publish', resource: s(i['TopicArn']) ?? s(i['TargetArn']) ?? arn(env, 'sns', '*') },
    ],
    CreateTopic: (i, env) => [{ action: 'sns:CreateTopic', resource: arn(env, 'sns', s(i['Name']) ?? '') }],
    DeleteTopic: (i, env) => [
      { action: 'sns:DeleteTopic', resource: s(i['TopicArn']) ?? arn(env, 'sns', '*') },
    ],
  },
  sqs: {
    SendMessage: queue('sqs:SendMessage'),
    SendMessageBatch: queue('sqs:SendMessage'),
    ReceiveMessage: queue('sqs:ReceiveMessage'),
    DeleteMessage: queue('sqs:DeleteMessage'),
    DeleteMessageBatch: queue('sqs:DeleteMessage'),
    ChangeMessageVisibility: queue('sqs:ChangeMessageVisibility'),
    ChangeMessageVisibilityBatch: queue('sqs:ChangeMessageVisibility'),
    GetQueueAttributes: queue('sqs:GetQueueAttributes'),
    SetQueueAttributes: queue('sqs:SetQueueAttributes'),
    PurgeQueue: queue('sqs:PurgeQueue'),
    DeleteQueue: queue('sqs:DeleteQueue'),
    GetQueueUrl: queueByName('sqs:GetQueueUrl'),
    CreateQueue: queueByName('sqs:CreateQueue'),
    ListQueues: (_i, env) => [{ action: 'sqs:ListQueues', resource: arn(env, 'sqs', '*') }],
  },
  events: {
    PutEvents: (i, env) =>
      records(i['Entries']).map((e) => {
        const bus = s(e['EventBusName']) ?? 'default';
        return {
          action: 'events:PutEvents',
          resource: bus.startsWith('arn:') ? bus : arn(env, 'events', `event-bus/${bus}`),
          context: { 'events:source': s(e['Source']), 'events:detail-type': s(e['DetailType']) },
        };
      }),
    DescribeRule: (i, env) => [
      { action: 'events:DescribeRule', resource: arn(env, 'events', `rule/${s(i['Name']) ?? ''}`) },
    ],
    ListTargetsByRule: (i, env) => [
      { action: 'events:ListTargetsByRule', resource: arn(env, 'events', `rule/${s(i['Rule']) ?? ''}`) },
    ],
  },
  config: {
    StartConfigRulesEvaluation: (i, env) =>
      strings(i['ConfigRuleNames']).map((n) => ({
        action: 'config:StartConfigRulesEvaluation',
        resource: env.configRuleArn(n) ?? arn(env, 'config', `config-rule/${n}`),
      })),
    // Resource-level in AWS (the ConfigRule resource type).
    GetComplianceDetailsByConfigRule: (i, env) => {
      const n = s(i['ConfigRuleName']) ?? '';
      return [
        {
          action: 'config:GetComplianceDetailsByConfigRule',
          resource: env.configRuleArn(n) ?? arn(env, 'config', `config-rule/${n}`),
        },
      ];
    },
  },
  dynamodb: Object.fromEntries(
    [
      'GetItem',
      'PutItem',
      'UpdateItem',
      'DeleteItem',
      'Query',
      'Scan',
      'DescribeTable',
      'CreateTable',
      'DeleteTable',
    ].map((op) => [op, dynamo(`dynamodb:${op}`)]),
  ),
};

/** Batch and transaction calls name several tables (and keys): one request per table and item. */
function dynamoBatch(operation: string, i: Input, env: TableEnv): IamRequest[] | undefined {
  const items = (i['RequestItems'] ?? {}) as Record<string, unknown>;
  if (operation === 'BatchWriteItem')
    return Object.entries(items).flatMap(([table, reqs]) =>
      records(reqs).flatMap((r) => {
        const body = (r['PutRequest'] ?? r['DeleteRequest'] ?? {}) as Input;
        return dynamo('dynamodb:BatchWriteItem')({ TableName: table, ...body }, env);
      }),
    );
  if (operation === 'BatchGetItem')
    return Object.entries(items).flatMap(([table, spec]) =>
      records((spec as Input)['Keys']).flatMap((k) =>
        dynamo('dynamodb:BatchGetItem')({ TableName: table, Key: k }, env),
      ),
    );
  const kinds: Record<string, string> = {
    Put: 'PutItem',
    Update: 'UpdateItem',
    Delete: 'DeleteItem',
    ConditionCheck: 'ConditionCheckItem',
    Get: 'GetItem',
  };
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems')
    return records(i['TransactItems']).flatMap((t) =>
      Object.entries(t).flatMap(([kind, body]) =>
        kinds[kind] ? dynamo(`dynamodb:${kinds[kind]}`)(body as Input, env) : [],
      ),
    );
  return undefined;
}

/** The IAM requests one call makes (every one must be allowed). */
export function iamRequests(service: string, operation: string, input: Input, env: TableEnv): IamRequest[] {
  const row = TABLE[service]?.[operation];
  if (row) return row(input, env);
  if (service === 'dynamodb') {
    const batch = dynamoBatch(operation, input, env);
    if (batch) return batch;
  }
  return [{ action: `${PREFIX[service] ?? service}:${operation}`, resource: '*' }];
}
