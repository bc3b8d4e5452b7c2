/**
 * "Deploys" the packaged CloudFormation template into the sandbox account: creates what it declares that
 * the sandbox supports, with the intrinsics resolved to sandbox values. Nothing is copied by hand from
 * serverless.yml: patterns, environment, retry settings and names all come from the template.
 *
 * Supported: AWS::SNS::Topic, AWS::SQS::Queue (RedrivePolicy, VisibilityTimeout), AWS::DynamoDB::Table
 * (KeySchema, AttributeDefinitions, GSIs, LSIs; TTL recorded, not enforced: dynalite has no TTL),
 * AWS::SNS::Subscription (protocol sqs, RawMessageDelivery; no FilterPolicy),
 * AWS::SSM::Parameter, AWS::SSM::Document, AWS::Events::Rule (EventPattern or ScheduleExpression; Lambda
 * and SQS targets with Input/InputPath/InputTransformer, RetryPolicy, DeadLetterConfig),
 * AWS::Lambda::Function (Environment, Timeout, MemorySize; code from the package's zip),
 * AWS::Lambda::EventInvokeConfig, AWS::Lambda::EventSourceMapping (SQS).
 * IAM: roles (inline policies, AWS::IAM::Policy attached to them), queue policies, event bus policies
 * and Lambda permissions are resolved into `roles` and `resourcePolicies`, which ./iam/ evaluates; each
 * function gets its own credentials (`functionCredentials`) mapped to its role.
 * AWS::Events::EventBus (Name, Policy) and AWS::Events::EventBusPolicy: rules may name a custom bus; the
 * bus policy is checked for PutEvents (./eventbridge/bus-policy.ts, callers from ./identities.ts).
 * Recorded but not simulated: log groups, versions, S3 buckets (listed in `skipped`).
 */
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { BusRule, BusTarget, EventBus, EventSourceMapping } from './bus.ts';
import type { IamRole, Statement } from './iam/index.ts';
import { iamFromTemplate } from './iam/template.ts';
import { keyForRole, type Identities } from './identities.ts';
import type { FunctionSpec, LambdaRuntime } from './lambda.ts';
import type { ParameterStore, ParameterType } from './services/parameters.ts';
import type { SnsService } from './services/sns.ts';
import type { SqsService } from './services/sqs.ts';
import type { DocumentFormat, DocumentType, SsmState } from './ssm/index.ts';
import {
  readServiceState,
  readTemplate,
  resolveIntrinsics,
  TemplateError,
  unzip,
  type CfnResource,
  type CfnTemplate,
  type ResolveContext,
} from './template.ts';

export interface DeployedTopic {
  logicalId: string;
  name: string;
  arn: string;
}
export interface DeployedQueue {
  logicalId: string;
  name: string;
  url: string;
  arn: string;
  deadLetterArn?: string;
  maxReceiveCount?: number;
}
export interface DeployedTable {
  logicalId: string;
  name: string;
  arn: string;
  keySchema: unknown;
  globalSecondaryIndexes: unknown;
  ttlAttribute?: string;
}
export interface DeployedParameter {
  logicalId: string;
  name: string;
  type: string;
  value: string;
}
export interface DeployedDocument {
  logicalId: string;
  name: string;
  type: string;
}

export interface Deployed {
  service: string;
  stage: string;
  stackName: string;
  region: string;
  account: string;
  templateDir: string;
  template: CfnTemplate;
  /** By logical id. */
  topics: Record<string, DeployedTopic>;
  queues: Record<string, DeployedQueue>;
  /** SNS → SQS subscriptions. */
  subscriptions: Array<{ logicalId: string; arn: string; topicArn: string; queueArn: string; raw: boolean }>;
  tables: Record<string, DeployedTable>;
  parameters: Record<string, DeployedParameter>;
  documents: Record<string, DeployedDocument>;
  /** By serverless.yml key ('remediate'). */
  functions: Record<string, FunctionSpec>;
  rules: Record<string, BusRule & { logicalId: string }>;
  eventSourceMappings: EventSourceMapping[];
  /** IAM roles with their inline policies (and AWS::IAM::Policy attached to them), resolved; by logical id. */
  roles: Record<string, IamRole>;
  /** Resource-based policies by resource ARN: queue policies, event bus policies, Lambda permissions. */
  resourcePolicies: Record<string, Statement[]>;
  /** Resources the sandbox does not simulate (log groups, ...). */
  skipped: Array<{ logicalId: string; type: string }>;
  /** The directory deploy created to unpack function zips into (undefined if it created none). */
  codeRoot?: string;
}

export interface DeployTarget {
  endpoint: string;
  account: string;
  region: string;
  sns: SnsService;
  sqs: SqsService;
  parameters: ParameterStore;
  ssm: SsmState;
  lambda: LambdaRuntime;
  bus: EventBus;
  /** Where each function's role key is registered (optional: without it functions sign with 'test'). */
  identities?: Identities;
}

export interface DeployOptions {
  templateDir: string;
  /** Where function code comes from when the package has no zip for it (default: unzip from the package). */
  projectRoot?: string;
  /** Where zips are unpacked (default: a new temp dir). */
  codeDir?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** A bus name from an EventBusName (a name or an ARN; absent: the default bus). */
const busOf = (v: unknown): string => {
  const s = str(v);
  if (!s) return 'default';
  return s.startsWith('arn:') ? (s.split('/').pop() ?? s) : s;
};
const policyOf = (v: unknown): unknown => (typeof v === 'string' ? (JSON.parse(v) as unknown) : v);

export async function deployTemplate(target: DeployTarget, opts: DeployOptions): Promise<Deployed> {
  const template = readTemplate(opts.templateDir);
  const state = readServiceState(opts.templateDir);
  const resources = template.Resources;
  const stage = state.stage ?? 'sandbox';
  const service = state.service ?? 'service';
  const stackName = `${service}-${stage}`;
  const { account, region } = target;
  const partition = 'aws';

  const conditional = Object.entries(resources).filter(([, r]) => r.Condition !== undefined);
  if (conditional.length > 0) {
    throw new TemplateError(
      `resources with a Condition are not supported by the sandbox: ${conditional.map(([id]) => id).join(', ')}`,
    );
  }

  // ---- physical names and attributes (computed before anything is created) ----------------------
  const naming = new Set<string>();
  const nameOf = (id: string): string | undefined => {
    const r = resources[id];
    if (!r) return undefined;
    if (naming.has(id)) throw new TemplateError(`circular reference while naming ${id}`);
    naming.add(id);
    try {
      const prop = (key: string): string | undefined =>
        str(resolveIntrinsics(r.Properties?.[key], ctx, `Resources.${id}.Properties.${key}`));
      const generated = `${stackName}-${id}`.slice(0, 64);
      switch (r.Type) {
        case 'AWS::SNS::Topic':
          return prop('TopicName') ?? generated;
        case 'AWS::SQS::Queue':
          return prop('QueueName') ?? generated.slice(0, 80);
        case 'AWS::DynamoDB::Table':
          return prop('TableName') ?? generated;
        case 'AWS::SSM::Parameter':
          return prop('Name') ?? `CFN-${id}`;
        case 'AWS::SSM::Document':
          return prop('Name') ?? generated;
        case 'AWS::Lambda::Function':
          return prop('FunctionName') ?? generated;
        case 'AWS::Events::Rule':
          return prop('Name') ?? generated;
        case 'AWS::Events::EventBus':
          return prop('Name') ?? generated;
        case 'AWS::IAM::Role':
          return prop('RoleName') ?? generated;
        case 'AWS::Logs::LogGroup':
          return prop('LogGroupName') ?? generated;
        case 'AWS::S3::Bucket':
          return prop('BucketName') ?? generated.toLowerCase();
        case 'AWS::Events::EventBus':
          return prop('Name');
        default:
          return undefined;
      }
    } finally {
      naming.delete(id);
    }
  };
  const endpoint = target.endpoint.replace(/\/+$/, '');
  const ctx: ResolveContext = {
    region,
    account,
    partition,
    stackName,
    ref(id) {
      const r = resources[id];
      if (!r) return undefined;
      const name = nameOf(id);
      switch (r.Type) {
        case 'AWS::SNS::Topic':
          return name && `arn:${partition}:sns:${region}:${account}:${name}`;
        case 'AWS::SQS::Queue':
          return name && `${endpoint}/${account}/${name}`;
        case 'AWS::Lambda::Version': {
          const fn = str(
            resolveIntrinsics(r.Properties?.['FunctionName'], ctx, `Resources.${id}.Properties.FunctionName`),
          );
          return fn && `arn:${partition}:lambda:${region}:${account}:function:${fn}:1`;
        }
        default:
          return name;
      }
    },
    getAtt(id, attr) {
      const r = resources[id];
      if (!r) return undefined;
      const name = nameOf(id);
      if (name === undefined) return undefined;
      const arns: Record<string, string> = {
        'AWS::SNS::Topic': `arn:${partition}:sns:${region}:${account}:${name}`,
        'AWS::SQS::Queue': `arn:${partition}:sqs:${region}:${account}:${name}`,
        'AWS::DynamoDB::Table': `arn:${partition}:dynamodb:${region}:${account}:table/${name}`,
        'AWS::Lambda::Function': `arn:${partition}:lambda:${region}:${account}:function:${name}`,
        'AWS::Events::Rule': `arn:${partition}:events:${region}:${account}:rule/${ruleBusPrefix(id)}${name}`,
        'AWS::Events::EventBus': `arn:${partition}:events:${region}:${account}:event-bus/${name}`,
        'AWS::IAM::Role': `arn:${partition}:iam::${account}:role/${name}`,
        'AWS::Logs::LogGroup': `arn:${partition}:logs:${region}:${account}:log-group:${name}:*`,
        'AWS::S3::Bucket': `arn:${partition}:s3:::${name}`,
      };
      if (attr === 'Arn') return arns[r.Type];
      if (r.Type === 'AWS::SQS::Queue' && attr === 'QueueUrl') return `${endpoint}/${account}/${name}`;
      if (r.Type === 'AWS::SQS::Queue' && attr === 'QueueName') return name;
      if (r.Type === 'AWS::SNS::Topic' && attr === 'TopicArn') return arns[r.Type];
      if (r.Type === 'AWS::SNS::Topic' && attr === 'TopicName') return name;
      if (r.Type === 'AWS::DynamoDB::Table' && attr === 'StreamArn')
        return `${arns[r.Type]}/stream/1970-01-01T00:00:00.000`;
      if (r.Type === 'AWS::IAM::Role' && attr === 'RoleId')
        return `AROA${name
          .toUpperCase()
          .replace(/[^A-Z0-9]/g, '')
          .slice(0, 17)}`;
      if (r.Type === 'AWS::Events::EventBus' && attr === 'Name') return name;
      if (r.Type === 'AWS::S3::Bucket' && attr === 'DomainName') return `${name}.s3.amazonaws.com`;
      return undefined;
    },
  };
  /** A rule on a custom bus has the ARN rule/<bus>/<name>. */
  function ruleBusPrefix(id: string): string {
    const bus = busOf(resolveIntrinsics(resources[id]?.Properties?.['EventBusName'], ctx, `Resources.${id}`));
    return bus === 'default' ? '' : `${bus}/`;
  }
  const props = (id: string, r: CfnResource): Record<string, unknown> =>
    (resolveIntrinsics(r.Properties ?? {}, ctx, `Resources.${id}.Properties`) as Record<string, unknown>) ??
    {};

  const deployed: Deployed = {
    service,
    stage,
    stackName,
    region,
    account,
    templateDir: opts.templateDir,
    template,
    topics: {},
    queues: {},
    subscriptions: [],
    tables: {},
    parameters: {},
    documents: {},
    functions: {},
    rules: {},
    eventSourceMappings: [],
    roles: {},
    resourcePolicies: {},
    skipped: [],
  };
  const byType = (type: string): Array<[string, CfnResource]> =>
    Object.entries(resources).filter(([, r]) => r.Type === type);

  // ---- SNS, SQS ----------------------------------------------------------------------------------
  for (const [id] of byType('AWS::SNS::Topic')) {
    const name = nameOf(id)!;
    deployed.topics[id] = { logicalId: id, name, arn: target.sns.createTopic(name) };
  }
  for (const [id, r] of byType('AWS::SQS::Queue')) {
    const p = props(id, r);
    const attributes: Record<string, string> = {};
    for (const key of [
      'VisibilityTimeout',
      'DelaySeconds',
      'MessageRetentionPeriod',
      'ReceiveMessageWaitTimeSeconds',
      'MaximumMessageSize',
    ]) {
      if (p[key] !== undefined) attributes[key] = String(p[key]);
    }
    const redrive = p['RedrivePolicy'];
    if (redrive !== undefined)
      attributes['RedrivePolicy'] = typeof redrive === 'string' ? redrive : JSON.stringify(redrive);
    if (p['FifoQueue'] === true || p['FifoQueue'] === 'true') {
      throw new TemplateError(`Resources.${id}: FIFO queues are not supported by the sandbox`);
    }
    const q = target.sqs.createQueue(nameOf(id)!, attributes);
    deployed.queues[id] = {
      logicalId: id,
      name: q.name,
      url: q.url,
      arn: q.arn,
      ...(q.redrive
        ? { deadLetterArn: q.redrive.deadLetterTargetArn, maxReceiveCount: q.redrive.maxReceiveCount }
        : {}),
    };
  }

  for (const [id, r] of byType('AWS::SNS::Subscription')) {
    const p = props(id, r);
    const topic = str(p['TopicArn']);
    const endpointArn = str(p['Endpoint']);
    if (p['Protocol'] !== 'sqs' || !topic || !endpointArn)
      throw new TemplateError(
        `Resources.${id}: only sqs subscriptions with TopicArn and Endpoint are supported`,
      );
    if (p['FilterPolicy'] !== undefined)
      throw new TemplateError(`Resources.${id}: FilterPolicy is not supported by the sandbox`);
    const raw = p['RawMessageDelivery'] === true || p['RawMessageDelivery'] === 'true';
    deployed.subscriptions.push({
      logicalId: id,
      topicArn: topic,
      queueArn: endpointArn,
      raw,
      arn: target.sns.subscribeQueue(topic, endpointArn, { raw }),
    });
  }

  // ---- DynamoDB -----------------------------------------------------------------------------------
  const tables = byType('AWS::DynamoDB::Table');
  if (tables.length > 0) {
    const ddb = new DynamoDBClient({
      endpoint,
      region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      for (const [id, r] of tables) {
        const p = props(id, r);
        const name = nameOf(id)!;
        const input: CreateTableCommandInput = {
          TableName: name,
          AttributeDefinitions: p['AttributeDefinitions'] as CreateTableCommandInput['AttributeDefinitions'],
          KeySchema: p['KeySchema'] as CreateTableCommandInput['KeySchema'],
          BillingMode: (str(p['BillingMode']) ?? 'PROVISIONED') as CreateTableCommandInput['BillingMode'],
        };
        // Optional properties CloudFormation and CreateTable name and shape alike: passed through.
        const optional = [
          'GlobalSecondaryIndexes',
          'LocalSecondaryIndexes',
          'ProvisionedThroughput',
          'StreamSpecification',
        ] as const;
        for (const k of optional) if (p[k]) Object.assign(input, { [k]: p[k] });
        await ddb.send(new CreateTableCommand(input));
        const ttl = p['TimeToLiveSpecification'] as { AttributeName?: string; Enabled?: boolean } | undefined;
        deployed.tables[id] = {
          logicalId: id,
          name,
          arn: ctx.getAtt(id, 'Arn')!,
          keySchema: input.KeySchema,
          globalSecondaryIndexes: input.GlobalSecondaryIndexes ?? [],
          ...(ttl?.Enabled && ttl.AttributeName ? { ttlAttribute: ttl.AttributeName } : {}),
        };
      }
    } finally {
      ddb.destroy();
    }
  }

  // ---- Parameter Store, documents -------------------------------------------------------------------
  for (const [id, r] of byType('AWS::SSM::Parameter')) {
    const p = props(id, r);
    const name = nameOf(id)!;
    const type = (str(p['Type']) ?? 'String') as ParameterType;
    const value = String(p['Value'] ?? '');
    target.parameters.put({
      name,
      value,
      type,
      overwrite: true,
      ...(str(p['Description']) ? { description: str(p['Description']) } : {}),
      ...(str(p['AllowedPattern']) ? { allowedPattern: str(p['AllowedPattern']) } : {}),
    });
    deployed.parameters[id] = { logicalId: id, name, type, value };
  }
  for (const [id, r] of byType('AWS::SSM::Document')) {
    const p = props(id, r);
    const name = nameOf(id)!;
    const type = (str(p['DocumentType']) ?? 'Command') as DocumentType;
    const content = p['Content'];
    if (content === undefined) throw new TemplateError(`Resources.${id}.Properties.Content is missing`);
    const format = (str(p['DocumentFormat']) ??
      (typeof content === 'string' ? 'YAML' : 'JSON')) as DocumentFormat;
    target.ssm.addDocument({ name, content: content as string | object, type, format });
    deployed.documents[id] = { logicalId: id, name, type };
  }

  // ---- Lambda ------------------------------------------------------------------------------------------
  let codeRoot: string | undefined;
  const prefix = `${stackName}-`;
  for (const [id, r] of byType('AWS::Lambda::Function')) {
    const p = props(id, r);
    const name = nameOf(id)!;
    const handler = str(p['Handler']);
    if (!handler) throw new TemplateError(`Resources.${id}.Properties.Handler is missing`);
    const env = ((p['Environment'] as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
      {}) as Record<string, unknown>;
    const environment: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) continue;
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        throw new TemplateError(
          `Resources.${id}.Properties.Environment.Variables.${k} did not resolve to a string`,
        );
      }
      environment[k] = String(v);
    }
    const code = r.Properties?.['Code'] as { S3Key?: unknown; ZipFile?: unknown } | undefined;
    const key = typeof code?.S3Key === 'string' ? basename(code.S3Key) : undefined;
    let codeDir: string;
    if (key && existsSync(join(opts.templateDir, key))) {
      if (!codeRoot) {
        codeRoot = opts.codeDir ?? mkdtempSync(join(tmpdir(), `sandbox-code-${stage}-`));
        if (!opts.codeDir) deployed.codeRoot = codeRoot;
      }
      codeDir = join(codeRoot, id);
      unzip(join(opts.templateDir, key), codeDir);
    } else if (opts.projectRoot) {
      codeDir = opts.projectRoot;
    } else {
      throw new TemplateError(
        `Resources.${id}: no code package ${key ?? '(no S3Key)'} in ${opts.templateDir}`,
      );
    }
    const shortName = name.startsWith(prefix) ? name.slice(prefix.length) : name;
    const roleArn = str(p['Role']);
    // The workers sign with the function's own credentials (./iam/); the bus-policy check knows the same
    // key as the role, and also the role's readable key (keyForRole) that tests use to act as the role.
    const credentials = roleArn ? functionCredentials(name) : undefined;
    if (roleArn && credentials) {
      target.identities?.register(credentials.accessKeyId, roleArn);
      target.identities?.register(keyForRole(roleArn.split('/').pop() ?? roleArn), roleArn);
    }
    const spec: FunctionSpec = {
      name,
      shortName,
      logicalId: id,
      arn: ctx.getAtt(id, 'Arn')!,
      handler,
      codeDir,
      environment,
      timeoutSeconds: Number(p['Timeout'] ?? 3),
      memoryMb: Number(p['MemorySize'] ?? 128),
      runtime: str(p['Runtime']) ?? 'nodejs22.x',
      ...(roleArn && credentials ? { roleArn, credentials } : {}),
      ...(p['ReservedConcurrentExecutions'] !== undefined
        ? { concurrency: Number(p['ReservedConcurrentExecutions']) }
        : {}),
    };
    target.lambda.register(spec);
    deployed.functions[shortName] = spec;
  }
  const fnName = (ref: unknown, where: string): string => {
    const s = str(ref);
    const spec = s ? target.lambda.get(s) : undefined;
    if (!spec) throw new TemplateError(`${where}: function ${JSON.stringify(ref)} is not in the template`);
    return spec.name;
  };
  for (const [id, r] of byType('AWS::Lambda::EventInvokeConfig')) {
    const p = props(id, r);
    const name = fnName(p['FunctionName'], `Resources.${id}.Properties.FunctionName`);
    const dest = p['DestinationConfig'] as
      { OnFailure?: { Destination?: string }; OnSuccess?: { Destination?: string } } | undefined;
    target.bus.setAsyncConfig(name, {
      ...(p['MaximumRetryAttempts'] !== undefined
        ? { maximumRetryAttempts: Number(p['MaximumRetryAttempts']) }
        : {}),
      ...(p['MaximumEventAgeInSeconds'] !== undefined
        ? { maximumEventAgeInSeconds: Number(p['MaximumEventAgeInSeconds']) }
        : {}),
      ...(dest?.OnFailure?.Destination ? { onFailure: dest.OnFailure.Destination } : {}),
      ...(dest?.OnSuccess?.Destination ? { onSuccess: dest.OnSuccess.Destination } : {}),
    });
  }

  // ---- EventBridge buses, rules, event-source mappings -------------------------------------------------
  for (const [id, r] of byType('AWS::Events::EventBus')) {
    const p = props(id, r);
    target.bus.addBus(nameOf(id)!, p['Policy'] !== undefined ? policyOf(p['Policy']) : undefined);
  }
  for (const [id, r] of byType('AWS::Events::EventBusPolicy')) {
    const p = props(id, r);
    const bus = busOf(p['EventBusName']);
    if (!target.bus.buses().includes(bus))
      throw new TemplateError(`Resources.${id}: event bus ${bus} is not in the template`);
    if (p['Statement'] === undefined)
      throw new TemplateError(`Resources.${id}: only the Statement form is supported by the sandbox`);
    const current = (target.bus.busPolicy(bus) as { Statement?: unknown } | undefined)?.Statement;
    const statements = current === undefined ? [] : Array.isArray(current) ? current : [current];
    const statement = { Sid: str(p['StatementId']), ...(policyOf(p['Statement']) as object) };
    target.bus.setBusPolicy(bus, { Version: '2012-10-17', Statement: [...statements, statement] });
  }
  for (const [id, r] of byType('AWS::Events::Rule')) {
    const p = props(id, r);
    const bus = busOf(p['EventBusName']);
    if (!target.bus.buses().includes(bus))
      throw new TemplateError(`Resources.${id}: event bus ${bus} is not in the template`);
    const name = nameOf(id)!;
    const targets: BusTarget[] = ((p['Targets'] as Array<Record<string, unknown>> | undefined) ?? []).map(
      (t, i) => {
        const arn = str(t['Arn']);
        if (!arn) throw new TemplateError(`Resources.${id}.Properties.Targets[${i}].Arn did not resolve`);
        const out: BusTarget = { id: str(t['Id']) ?? `target-${i}`, arn };
        if (t['Input'] !== undefined)
          out.input = typeof t['Input'] === 'string' ? t['Input'] : JSON.stringify(t['Input']);
        if (str(t['InputPath'])) out.inputPath = str(t['InputPath'])!;
        if (t['InputTransformer'])
          out.inputTransformer = t['InputTransformer'] as BusTarget['inputTransformer'] & object;
        if (t['RetryPolicy']) out.retryPolicy = t['RetryPolicy'] as BusTarget['retryPolicy'] & object;
        const dlq = (t['DeadLetterConfig'] as { Arn?: string } | undefined)?.Arn;
        if (dlq) out.deadLetterArn = dlq;
        return out;
      },
    );
    const pattern = p['EventPattern'];
    const rule: BusRule = {
      name,
      ...(bus !== 'default' ? { eventBusName: bus } : {}),
      arn: ctx.getAtt(id, 'Arn')!,
      enabled: (str(p['State']) ?? 'ENABLED') === 'ENABLED',
      targets,
      ...(pattern !== undefined
        ? { eventPattern: typeof pattern === 'string' ? (JSON.parse(pattern) as unknown) : pattern }
        : {}),
      ...(str(p['ScheduleExpression']) ? { scheduleExpression: str(p['ScheduleExpression'])! } : {}),
    };
    try {
      target.bus.addRule(rule);
    } catch (e) {
      throw new TemplateError(`Resources.${id}: ${e instanceof Error ? e.message : String(e)}`);
    }
    deployed.rules[id] = { ...rule, logicalId: id };
  }
  for (const [id, r] of byType('AWS::Lambda::EventSourceMapping')) {
    const p = props(id, r);
    const source = str(p['EventSourceArn']);
    if (!source?.includes(':sqs:')) {
      throw new TemplateError(
        `Resources.${id}: only SQS event sources are supported (got ${String(source)})`,
      );
    }
    const m: EventSourceMapping = {
      uuid: id,
      functionName: fnName(p['FunctionName'], `Resources.${id}.Properties.FunctionName`),
      eventSourceArn: source,
      batchSize: Number(p['BatchSize'] ?? 10),
      maximumBatchingWindowInSeconds: Number(p['MaximumBatchingWindowInSeconds'] ?? 0),
      functionResponseTypes: (p['FunctionResponseTypes'] as string[] | undefined) ?? [],
      enabled: p['Enabled'] === undefined ? true : p['Enabled'] === true || p['Enabled'] === 'true',
      ...((p['ScalingConfig'] as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency
        ? {
            maximumConcurrency: Number(
              (p['ScalingConfig'] as { MaximumConcurrency: number }).MaximumConcurrency,
            ),
          }
        : {}),
    };
    target.bus.addEventSourceMapping(m);
    deployed.eventSourceMappings.push(m);
  }

  // ---- IAM: role policies and resource policies (evaluated by ./iam/, not deployed anywhere) -------
  Object.assign(
    deployed,
    iamFromTemplate({
      byType,
      props,
      roleName: (id) => nameOf(id)!,
      roleArn: (id) => ctx.getAtt(id, 'Arn')!,
      queues: Object.values(deployed.queues),
      functions: Object.values(deployed.functions),
      busArn: (bus) =>
        bus.startsWith('arn:') ? bus : `arn:${partition}:events:${region}:${account}:event-bus/${bus}`,
    }),
  );

  const handled = new Set([
    'AWS::SNS::Topic',
    'AWS::SNS::Subscription',
    'AWS::SQS::Queue',
    'AWS::DynamoDB::Table',
    'AWS::SSM::Parameter',
    'AWS::SSM::Document',
    'AWS::Lambda::Function',
    'AWS::Lambda::EventInvokeConfig',
    'AWS::Events::Rule',
    'AWS::Events::EventBus',
    'AWS::Events::EventBusPolicy',
    'AWS::Lambda::EventSourceMapping',
    'AWS::IAM::Role',
    'AWS::IAM::Policy',
    'AWS::IAM::ManagedPolicy',
    'AWS::SQS::QueuePolicy',
    'AWS::Events::EventBusPolicy',
    'AWS::Lambda::Permission',
  ]);
  for (const [id, r] of Object.entries(resources)) {
    if (!handled.has(r.Type)) deployed.skipped.push({ logicalId: id, type: r.Type });
  }
  return deployed;
}

/**
 * A function's credentials in the sandbox: a deterministic access key id per function name, which the
 * sandbox's IAM maps to the function's execution role (Lambda hands a container its role's session).
 */
export function functionCredentials(functionName: string): {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
} {
  const digest = createHash('sha256').update(functionName).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const id = [...digest.subarray(0, 16)].map((b) => alphabet[b % 32]).join('');
  return {
    accessKeyId: `ASIA${id}`,
    secretAccessKey: 'sandbox',
    sessionToken: `sandbox-session-${functionName}`,
  };
}
