// The sandbox front door, driven only through the real AWS SDK v3 clients (and the AWS CLI) over HTTP.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  ConfigServiceClient,
  GetComplianceDetailsByResourceCommand,
  NoSuchConfigRuleException,
  StartConfigRulesEvaluationCommand,
} from '@aws-sdk/client-config-service';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startSandboxServer, type SandboxServer } from '../../sandbox/server.ts';
import { FaultController } from '../../sandbox/faults.ts';
import { createParameterStore, parametersService } from '../../sandbox/services/parameters.ts';
import { createSnsService, type SnsService } from '../../sandbox/services/sns.ts';
import { createTaggingService, type TaggingService } from '../../sandbox/services/tagging.ts';
import { createConfigService, type ConfigService } from '../../sandbox/services/config.ts';
import { createEventBridgeService, type EventBridgeService } from '../../sandbox/services/eventbridge.ts';
import { createRecordingSink } from '../../sandbox/sink.ts';

const execFileAsync = promisify(execFile);
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';

let server: SandboxServer;
let sns: SnsService;
let tagging: TaggingService;
let config: ConfigService;
let events: EventBridgeService;
const faults = new FaultController({ seed: 42 });
const sink = createRecordingSink();

const clientConfig = (extra: { maxAttempts?: number } = {}) => ({
  endpoint: server.url,
  region,
  credentials,
  ...extra,
});

beforeAll(async () => {
  sns = createSnsService({ topics: ['remediation-reports'] });
  tagging = createTaggingService();
  config = createConfigService({ sink, rules: ['restricted-ssh'] });
  events = createEventBridgeService({ sink });
  server = await startSandboxServer({
    services: [parametersService(createParameterStore()), sns, tagging, config, events],
    dynamodb: true,
    faults,
    limits: {
      'ssm:GetParameter|GetParameters|GetParametersByPath': { rps: 40, burst: 40 },
      'ssm:DeleteParameter': { rps: 0.001, burst: 1 },
    },
  });
});

afterAll(async () => {
  await server?.close();
});

beforeEach(() => {
  faults.clear();
});

describe('Parameter Store', () => {
  test('SecureString round trip: encrypted-looking without WithDecryption, plaintext with it', async () => {
    const ssm = new SSMClient(clientConfig());
    const put = await ssm.send(
      new PutParameterCommand({ Name: '/app/slack-url', Value: 's3cr3t', Type: 'SecureString' }),
    );
    expect(put).toMatchObject({ Version: 1, Tier: 'Standard' });

    const plain = await ssm.send(new GetParameterCommand({ Name: '/app/slack-url', WithDecryption: true }));
    expect(plain.Parameter).toMatchObject({
      Name: '/app/slack-url',
      Type: 'SecureString',
      Value: 's3cr3t',
      Version: 1,
    });
    expect(plain.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
    expect(plain.Parameter?.ARN).toBe('arn:aws:ssm:us-east-1:123456789012:parameter/app/slack-url');

    const hidden = await ssm.send(new GetParameterCommand({ Name: '/app/slack-url' }));
    expect(hidden.Parameter?.Value).not.toContain('s3cr3t');
    expect(hidden.Parameter?.Value).toMatch(/^AQICAH[A-Za-z0-9+/=]{100,}$/);
  });

  test('overwrite makes a new version; missing names come back in InvalidParameters', async () => {
    const ssm = new SSMClient(clientConfig());
    await ssm.send(new PutParameterCommand({ Name: 'threshold', Value: '1', Type: 'String' }));
    await expect(ssm.send(new PutParameterCommand({ Name: 'threshold', Value: '2' }))).rejects.toMatchObject({
      name: 'ParameterAlreadyExists',
    });
    const v2 = await ssm.send(new PutParameterCommand({ Name: 'threshold', Value: '2', Overwrite: true }));
    expect(v2.Version).toBe(2);
    const got = await ssm.send(new GetParametersCommand({ Names: ['threshold', 'threshold:1', 'nope'] }));
    expect(got.Parameters?.map((p) => [p.Name, p.Value, p.Version])).toEqual([
      ['threshold', '2', 2],
      ['threshold', '1', 1],
    ]);
    expect(got.InvalidParameters).toEqual(['nope']);
    await expect(ssm.send(new GetParameterCommand({ Name: 'nope' }))).rejects.toMatchObject({
      name: 'ParameterNotFound',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('SNS (Query protocol)', () => {
  test('Publish is stored with its attributes; an unknown topic is NotFound', async () => {
    const client = new SNSClient(clientConfig());
    const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'alerts' }));
    expect(TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:alerts');
    const out = await client.send(
      new PublishCommand({
        TopicArn,
        Subject: 'Remediated sg-1',
        Message: 'restricted-ssh fixed',
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: 'high' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sns.messages(TopicArn)).toEqual([
      expect.objectContaining({
        MessageId: out.MessageId,
        Subject: 'Remediated sg-1',
        Message: 'restricted-ssh fixed',
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: 'high' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]).toString('base64') },
        },
      }),
    ]);

    const missing = client.send(
      new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:nope', Message: 'x' }),
    );
    await expect(missing).rejects.toMatchObject({
      name: 'NotFoundException', // the SDK's class for the wire code NotFound
      Code: 'NotFound',
      message: 'Topic does not exist',
      $metadata: { httpStatusCode: 404 },
    });
  });

  test('a message over 256 KB is rejected', async () => {
    const client = new SNSClient(clientConfig());
    const TopicArn = sns.createTopic('big');
    await expect(
      client.send(new PublishCommand({ TopicArn, Message: 'x'.repeat(256 * 1024 + 1) })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: Message too long',
    });
  });
});

describe('Resource Groups Tagging API', () => {
  test('GetResources by ARN list, and by tag filter + resource type', async () => {
    tagging.setTags('arn:aws:ec2:us-east-1:123456789012:instance/i-0abc', { Patch: 'auto', Env: 'prod' });
    tagging.setTags('arn:aws:ec2:us-east-1:123456789012:security-group/sg-1', { Env: 'prod' });
    const client = new ResourceGroupsTaggingAPIClient(clientConfig());
    const byArn = await client.send(
      new GetResourcesCommand({ ResourceARNList: ['arn:aws:ec2:us-east-1:123456789012:instance/i-0abc'] }),
    );
    expect(byArn.ResourceTagMappingList).toEqual([
      {
        ResourceARN: 'arn:aws:ec2:us-east-1:123456789012:instance/i-0abc',
        Tags: [
          { Key: 'Patch', Value: 'auto' },
          { Key: 'Env', Value: 'prod' },
        ],
      },
    ]);
    const byTag = await client.send(
      new GetResourcesCommand({
        TagFilters: [{ Key: 'Env', Values: ['prod'] }],
        ResourceTypeFilters: ['ec2:security-group'],
      }),
    );
    expect(byTag.ResourceTagMappingList?.map((r) => r.ResourceARN)).toEqual([
      'arn:aws:ec2:us-east-1:123456789012:security-group/sg-1',
    ]);
    expect(byTag.PaginationToken).toBe('');
  });
});

describe('AWS Config', () => {
  test('StartConfigRulesEvaluation records the actual state, emits the change event, and GetComplianceDetailsByResource shows it', async () => {
    const resource = { resourceType: 'AWS::EC2::SecurityGroup', resourceId: 'sg-0a1b2c3d4e5f67890' };
    config.setCompliance('restricted-ssh', resource, 'NON_COMPLIANT', { evaluate: true });
    config.setCompliance('restricted-ssh', resource, 'COMPLIANT');
    sink.clear();
    const client = new ConfigServiceClient(clientConfig());
    await client.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: ['restricted-ssh'] }));

    const [event] = sink.events();
    expect(sink.events()).toHaveLength(1);
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'Config Rules Compliance Change',
      source: 'aws.config',
      account: '123456789012',
      region: 'us-east-1',
      resources: [],
      detail: {
        resourceId: 'sg-0a1b2c3d4e5f67890',
        resourceType: 'AWS::EC2::SecurityGroup',
        configRuleName: 'restricted-ssh',
        messageType: 'ComplianceChangeNotification',
        recordVersion: '1.0',
        newEvaluationResult: { complianceType: 'COMPLIANT' },
        oldEvaluationResult: { complianceType: 'NON_COMPLIANT' },
      },
    });
    expect(event?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const details = await client.send(
      new GetComplianceDetailsByResourceCommand({
        ResourceType: resource.resourceType,
        ResourceId: resource.resourceId,
      }),
    );
    expect(details.EvaluationResults).toHaveLength(1);
    expect(details.EvaluationResults?.[0]).toMatchObject({
      ComplianceType: 'COMPLIANT',
      EvaluationResultIdentifier: {
        EvaluationResultQualifier: {
          ConfigRuleName: 'restricted-ssh',
          ...{ ResourceId: resource.resourceId },
        },
      },
    });
    expect(details.EvaluationResults?.[0]?.ResultRecordedTime).toBeInstanceOf(Date);

    const nonCompliant = await client.send(
      new GetComplianceDetailsByResourceCommand({
        ...{ ResourceType: resource.resourceType, ResourceId: resource.resourceId },
        ComplianceTypes: ['NON_COMPLIANT'],
      }),
    );
    expect(nonCompliant.EvaluationResults).toEqual([]);

    await expect(
      client.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: ['nope'] })),
    ).rejects.toBeInstanceOf(NoSuchConfigRuleException);
  });
});

describe('EventBridge', () => {
  test('PutEvents: full events reach the sink; a fault fails some entries with InternalFailure', async () => {
    const client = new EventBridgeClient(clientConfig());
    sink.clear();
    faults.add({ target: 'events:PutEvents', itemFailureRate: 0.5 });
    const entries = Array.from({ length: 10 }, (_, i) => ({
      Source: 'remediator',
      DetailType: 'Remediation Started',
      Detail: JSON.stringify({ n: i }),
      Resources: [`arn:aws:ec2:us-east-1:123456789012:instance/i-${i}`],
    }));
    const out = await client.send(new PutEventsCommand({ Entries: entries }));
    const failed = out.Entries?.filter((e) => e.ErrorCode) ?? [];
    expect(out.FailedEntryCount).toBe(failed.length);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(10);
    expect(failed.every((e) => e.ErrorCode === 'InternalFailure')).toBe(true);
    const ok = out.Entries?.filter((e) => e.EventId) ?? [];
    expect(sink.events().map((e) => e.id)).toEqual(ok.map((e) => e.EventId));
    expect(sink.events()[0]).toMatchObject({
      version: '0',
      source: 'remediator',
      account: '123456789012',
      region: 'us-east-1',
    });
    expect(sink.events()[0]?.detail).toEqual({ n: out.Entries?.findIndex((e) => e.EventId) });

    faults.clear();
    const bad = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'x', DetailType: 'y', Detail: 'not json' },
          { Source: 'aws.config', DetailType: 'y', Detail: '{}' },
        ],
      }),
    );
    expect(bad.Entries).toEqual([
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
    ]);
    await expect(
      client.send(new PutEventsCommand({ Entries: [...entries, entries[0]!] })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});

describe('DynamoDB (dynalite behind the same endpoint)', () => {
  test('a conditional put fails the second time with ConditionalCheckFailedException', async () => {
    const db = new DynamoDBClient(clientConfig());
    await db.send(
      new CreateTableCommand({
        TableName: 'locks',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const put = () =>
      db.send(
        new PutItemCommand({
          TableName: 'locks',
          Item: { pk: { S: 'sg-1' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    await put();
    await expect(put()).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(server.calls.snapshot()['dynamodb']?.byOperation).toMatchObject({ CreateTable: 1, PutItem: 2 });
  });
});

describe('throttling, faults and errors', () => {
  test('a throttled call surfaces as ThrottlingException "Rate exceeded" (HTTP 400)', async () => {
    const ssm = new SSMClient(clientConfig({ maxAttempts: 1 }));
    await ssm.send(new PutParameterCommand({ Name: 'throttled', Value: 'v', Type: 'String' }));
    // the test's limits give DeleteParameter a bucket of one call
    await ssm.send(new DeleteParameterCommand({ Name: 'throttled' }));
    await expect(ssm.send(new DeleteParameterCommand({ Name: 'throttled' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
  });

  test('the SDK default retries get through a transient fault', async () => {
    faults.add({ target: 'ssm:GetParameter', code: 'InternalServerError', status: 500, times: 2 });
    const ssm = new SSMClient(clientConfig());
    await ssm.send(new PutParameterCommand({ Name: 'flaky', Value: 'v', Type: 'String' }));
    const before = server.calls.count('ssm', 'GetParameter');
    const out = await ssm.send(new GetParameterCommand({ Name: 'flaky' }));
    expect(out.Parameter?.Value).toBe('v');
    expect(out.$metadata.attempts).toBe(3);
    expect(server.calls.count('ssm', 'GetParameter') - before).toBe(3);
  });

  test('an injected fault with maxAttempts 1 surfaces with its code and status', async () => {
    faults.add({ target: 'ssm:GetParameter', code: 'InternalServerError', status: 500 });
    const ssm = new SSMClient(clientConfig({ maxAttempts: 1 }));
    await expect(ssm.send(new GetParameterCommand({ Name: 'flaky' }))).rejects.toMatchObject({
      name: 'InternalServerError',
      $metadata: { httpStatusCode: 500 },
    });
  });

  test('an unknown operation answers 400 UnknownOperationException in the JSON error shape', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.NoSuchThing' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      __type: 'UnknownOperationException',
      message: 'Unknown operation NoSuchThing for AmazonSSM',
    });
  });

  test('calls are counted per service and operation', () => {
    const snap = server.calls.snapshot();
    expect(snap['ssm']?.byOperation['PutParameter']).toBeGreaterThan(0);
    expect(snap['sns']).toMatchObject({ byOperation: { CreateTopic: 1 } });
    expect(snap['ssm']?.total).toBe(Object.values(snap['ssm']?.byOperation ?? {}).reduce((a, b) => a + b, 0));
  });
});

describe('AWS CLI against the sandbox', () => {
  const cli = async (args: string[]): Promise<unknown> => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PAGER: '' };
    try {
      const { stdout } = await execFileAsync(
        'aws',
        [...args, '--endpoint-url', server.url, '--region', region, '--output', 'json'],
        { env },
      );
      return JSON.parse(stdout);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error(
          'The AWS CLI (`aws`) is not on PATH. Install it (apt-get install -y awscli) to run this test.',
        );
      }
      throw err;
    }
  };

  test('aws ssm get-parameter --with-decryption and aws sns publish', async () => {
    const ssm = new SSMClient(clientConfig());
    await ssm.send(new PutParameterCommand({ Name: '/cli/token', Value: 'tok-123', Type: 'SecureString' }));
    const got = await cli(['ssm', 'get-parameter', '--name', '/cli/token', '--with-decryption']);
    expect(got).toMatchObject({
      Parameter: { Name: '/cli/token', Type: 'SecureString', Value: 'tok-123', Version: 1 },
    });

    const TopicArn = sns.createTopic('cli-topic');
    const published = await cli([
      'sns',
      'publish',
      '--topic-arn',
      TopicArn,
      '--message',
      'from the cli',
      '--subject',
      'hello',
    ]);
    expect(published).toMatchObject({ MessageId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(sns.messages(TopicArn)).toEqual([
      expect.objectContaining({ Message: 'from the cli', Subject: 'hello' }),
    ]);
  });
});
