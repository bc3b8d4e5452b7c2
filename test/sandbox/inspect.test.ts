// Inspecting a deployment in the sandbox account with read-only calls, as a user does: the real SDK v3
// clients over HTTP, the AWS CLI, and the Query protocol older AWS CLIs (2.9) speak to SQS.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DescribeDocumentCommand,
  GetDocumentCommand,
  ListDocumentsCommand,
  paginateListDocuments,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { parse as parseYaml } from 'yaml';
import type { SandboxAccount } from '../../sandbox/account.ts';
import { startTestAccount } from '../helpers/sandbox.ts';

const execFileAsync = promisify(execFile);
let acct: SandboxAccount;
const config = () => ({
  endpoint: acct.url,
  region: acct.region,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

beforeAll(async () => {
  acct = await startTestAccount();
});

afterAll(async () => {
  await acct?.close();
});

/** The rules on the default bus (the service's own events have their own bus). */
const deployedRules = () =>
  Object.values(acct.deployed.rules)
    .filter((r) => r.eventBusName === undefined)
    .sort((a, b) => a.name.localeCompare(b.name));

describe('EventBridge rules', () => {
  test('ListRules with EventBusName lists the rules on the service’s own bus: our five events; a manual run goes to remediate', async () => {
    const events = new EventBridgeClient(config());
    const bus = acct.fn('agentSweep').environment['EVENT_BUS_NAME']!;
    const out = await events.send(new ListRulesCommand({ EventBusName: bus }));
    expect(out.Rules?.map((r) => [r.EventBusName, JSON.parse(r.EventPattern!)])).toEqual([
      [bus, { source: ['ssm-remediator.operator'], 'detail-type': ['Backfill Requested'] }],
      // Slack's callback or `remediator approve|reject` (docs/approvals.md).
      [bus, { source: ['ssm-remediator', 'ssm-remediator.operator'], 'detail-type': ['Approval Decided'] }],
      [bus, { source: ['ssm-remediator'], 'detail-type': ['Admission Slot Freed'] }],
      [bus, { source: ['ssm-remediator'], 'detail-type': ['SSM Agent Disconnected'] }],
      [bus, { source: ['ssm-remediator.operator'], 'detail-type': ['Remediation Requested'] }],
    ]);
    const targets = await events.send(
      new ListTargetsByRuleCommand({ EventBusName: bus, Rule: out.Rules![4]!.Name! }),
    );
    expect(targets.Targets?.map((t) => t.Arn)).toEqual([acct.fn('remediate').arn]);
  });

  test('ListRules lists the deployed rules, by NamePrefix, a page of Limit at a time', async () => {
    const events = new EventBridgeClient(config());
    const all = await events.send(new ListRulesCommand({}));
    expect(all.Rules?.map((r) => r.Name)).toEqual(deployedRules().map((r) => r.name));
    expect(all.NextToken).toBeUndefined();
    const withPattern = all.Rules?.find((r) => r.EventPattern !== undefined);
    expect(withPattern).toMatchObject({ State: 'ENABLED', EventBusName: 'default' });
    expect(JSON.parse(withPattern!.EventPattern!)).toEqual(
      deployedRules().find((r) => r.name === withPattern!.Name)!.eventPattern,
    );

    const first = deployedRules()[0]!.name;
    const prefixed = await events.send(new ListRulesCommand({ NamePrefix: first }));
    expect(prefixed.Rules?.map((r) => r.Name)).toEqual([first]);

    const names: string[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const page = await events.send(new ListRulesCommand({ Limit: 2, ...(NextToken ? { NextToken } : {}) }));
      expect(page.Rules!.length).toBeLessThanOrEqual(2);
      names.push(...page.Rules!.map((r) => r.Name!));
      NextToken = page.NextToken;
      pages++;
    } while (NextToken);
    expect(names).toEqual(deployedRules().map((r) => r.name));
    expect(pages).toBe(Math.ceil(deployedRules().length / 2));

    await expect(events.send(new ListRulesCommand({ EventBusName: 'no-such-bus' }))).rejects.toThrow(
      ResourceNotFoundException,
    );
    await expect(events.send(new ListRulesCommand({ Limit: 101 }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  test('DescribeRule and ListTargetsByRule show a rule and where it delivers', async () => {
    const events = new EventBridgeClient(config());
    const rule = deployedRules().find((r) => r.targets.some((t) => t.deadLetterArn || t.retryPolicy))!;
    const described = await events.send(new DescribeRuleCommand({ Name: rule.name }));
    expect(described).toMatchObject({
      Name: rule.name,
      Arn: rule.arn,
      State: 'ENABLED',
      EventBusName: 'default',
      CreatedBy: acct.account,
    });
    const targets = await events.send(new ListTargetsByRuleCommand({ Rule: rule.name }));
    expect(targets.Targets?.map((t) => ({ Id: t.Id, Arn: t.Arn }))).toEqual(
      rule.targets.map((t) => ({ Id: t.id, Arn: t.arn })),
    );
    const withDlq = rule.targets.find((t) => t.deadLetterArn);
    if (withDlq) {
      expect(targets.Targets?.find((t) => t.Id === withDlq.id)?.DeadLetterConfig).toEqual({
        Arn: withDlq.deadLetterArn,
      });
    }
    await expect(events.send(new DescribeRuleCommand({ Name: 'no-such-rule' }))).rejects.toThrow(
      'Rule no-such-rule does not exist on EventBus default.',
    );
    await expect(events.send(new ListTargetsByRuleCommand({ Rule: 'no-such-rule' }))).rejects.toThrow(
      ResourceNotFoundException,
    );
  });
});

describe('SQS queues', () => {
  const deployedUrls = () => Object.values(acct.deployed.queues).map((q) => q.url);

  test('ListQueues by QueueNamePrefix, paged with MaxResults/NextToken', async () => {
    const sqs = new SQSClient(config());
    const all = await sqs.send(new ListQueuesCommand({}));
    expect([...(all.QueueUrls ?? [])].sort()).toEqual(deployedUrls().sort());
    expect(all.NextToken).toBeUndefined();

    const one = Object.values(acct.deployed.queues)[0]!;
    const prefixed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: one.name }));
    expect(prefixed.QueueUrls).toContain(one.url);
    expect(prefixed.QueueUrls!.every((u) => u.split('/').pop()!.startsWith(one.name))).toBe(true);
    const none = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'no-such-queue' }));
    expect(none.QueueUrls).toBeUndefined();

    const paged: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await sqs.send(
        new ListQueuesCommand({ MaxResults: 1, ...(NextToken ? { NextToken } : {}) }),
      );
      expect(page.QueueUrls).toHaveLength(1);
      paged.push(...page.QueueUrls!);
      NextToken = page.NextToken;
    } while (NextToken);
    expect(paged.sort()).toEqual(deployedUrls().sort());
  });

  test('GetQueueAttributes: All, or the names asked for; message counts and the redrive policy', async () => {
    const sqs = new SQSClient(config());
    const withDlq = Object.values(acct.deployed.queues).find((q) => q.deadLetterArn)!;
    acct.sqs.send(withDlq.url, '{"hello":1}');
    const all = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: withDlq.url, AttributeNames: ['All'] }),
    );
    expect(all.Attributes).toMatchObject({
      QueueArn: withDlq.arn,
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '0',
      VisibilityTimeout: expect.stringMatching(/^\d+$/),
      MessageRetentionPeriod: expect.stringMatching(/^\d+$/),
    });
    expect(JSON.parse(all.Attributes!['RedrivePolicy']!)).toMatchObject({
      deadLetterTargetArn: withDlq.deadLetterArn,
    });
    const some = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: withDlq.url, AttributeNames: ['QueueArn'] }),
    );
    expect(some.Attributes).toEqual({ QueueArn: withDlq.arn });
    const nothing = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: withDlq.url }));
    expect(nothing.Attributes ?? {}).toEqual({});
    await expect(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: withDlq.url, AttributeNames: ['Colour' as 'All'] })),
    ).rejects.toMatchObject({ name: 'InvalidAttributeName' });
  });

  test('the Query protocol (AWS CLI 2.9): ListQueues and GetQueueAttributes answer AWS XML', async () => {
    const q = Object.values(acct.deployed.queues)[0]!;
    const post = async (body: string): Promise<{ status: number; text: string }> => {
      const res = await fetch(acct.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/${acct.region}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body,
      });
      return { status: res.status, text: await res.text() };
    };
    const list = await post(
      `Action=ListQueues&Version=2012-11-05&QueueNamePrefix=${encodeURIComponent(q.name)}`,
    );
    expect(list.status).toBe(200);
    expect(list.text).toContain('<ListQueuesResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">');
    expect(list.text).toContain(`<ListQueuesResult><QueueUrl>${q.url}</QueueUrl>`);
    const attrs = await post(
      `Action=GetQueueAttributes&Version=2012-11-05&QueueUrl=${encodeURIComponent(q.url)}&AttributeName.1=QueueArn&AttributeName.2=VisibilityTimeout`,
    );
    expect(attrs.status).toBe(200);
    expect(attrs.text).toContain(
      `<GetQueueAttributesResult><Attribute><Name>QueueArn</Name><Value>${q.arn}</Value></Attribute><Attribute><Name>VisibilityTimeout</Name>`,
    );
    const missing = await post(
      `Action=GetQueueAttributes&Version=2012-11-05&QueueUrl=${encodeURIComponent(`${acct.url}/${acct.account}/nope`)}&AttributeName.1=All`,
    );
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('<Code>QueueDoesNotExist</Code>');

    const empty = acct.sqs.createQueue('inspect-query-receive');
    acct.sqs.send(empty.url, 'hello', { attributes: { team: { DataType: 'String', StringValue: 'ops' } } });
    const received = await post(
      `Action=ReceiveMessage&Version=2012-11-05&QueueUrl=${encodeURIComponent(empty.url)}&AttributeName.1=All&MessageAttributeName.1=All`,
    );
    expect(received.status).toBe(200);
    expect(received.text).toMatch(
      /<ReceiveMessageResult><Message><MessageId>[0-9a-f-]{36}<\/MessageId><ReceiptHandle>[^<]+<\/ReceiptHandle><MD5OfBody>5d41402abc4b2a76b9719d911017c592<\/MD5OfBody><Body>hello<\/Body>/,
    );
    expect(received.text).toContain(
      '<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>',
    );
    expect(received.text).toContain(
      '<MessageAttribute><Name>team</Name><Value><DataType>String</DataType><StringValue>ops</StringValue></Value></MessageAttribute>',
    );
  });
});

describe('SSM documents', () => {
  // The deployed documents and the stage's default change calendar the sandbox account seeds.
  const ours = () => [
    ...Object.values(acct.deployed.documents).map((d) => d.name),
    acct.fn('remediate').environment['DEFAULT_CALENDARS']!,
  ];

  test('ListDocuments with Owner=Self lists the deployed documents; paged; the legacy filter list too', async () => {
    const ssm = new SSMClient(config());
    const self = await ssm.send(new ListDocumentsCommand({ Filters: [{ Key: 'Owner', Values: ['Self'] }] }));
    expect(ours().length).toBeGreaterThan(0);
    expect(self.DocumentIdentifiers?.map((d) => d.Name).sort()).toEqual([...ours()].sort());
    expect(self.DocumentIdentifiers![0]).toMatchObject({
      Owner: acct.account,
      DocumentVersion: '1',
      DocumentFormat: expect.stringMatching(/^(JSON|YAML)$/),
      DocumentType: expect.any(String),
    });

    const names: string[] = [];
    for await (const page of paginateListDocuments({ client: ssm, pageSize: 2 }, {})) {
      expect(page.DocumentIdentifiers!.length).toBeLessThanOrEqual(2);
      names.push(...page.DocumentIdentifiers!.map((d) => d.Name!));
    }
    expect(names).toContain('AWS-RunPatchBaseline');
    expect(names).toEqual(expect.arrayContaining(ours()));
    expect(new Set(names).size).toBe(names.length);

    const amazon = await ssm.send(
      new ListDocumentsCommand({ DocumentFilterList: [{ key: 'Owner', value: 'Amazon' }] }),
    );
    expect(amazon.DocumentIdentifiers?.every((d) => d.Owner === 'Amazon')).toBe(true);
    expect(amazon.DocumentIdentifiers?.map((d) => d.Name)).toContain('AWS-RunPatchBaseline');
    await expect(
      ssm.send(new ListDocumentsCommand({ Filters: [{ Key: 'Colour', Values: ['x'] }] })),
    ).rejects.toMatchObject({ name: 'InvalidFilterKey' });
    await expect(ssm.send(new ListDocumentsCommand({ NextToken: 'bogus' }))).rejects.toMatchObject({
      name: 'InvalidNextToken',
    });
  });

  test('DescribeDocument, and GetDocument as stored, as JSON or as YAML', async () => {
    const ssm = new SSMClient(config());
    const described = await ssm.send(new DescribeDocumentCommand({ Name: 'AWS-RunPatchBaseline' }));
    expect(described.Document).toMatchObject({ Name: 'AWS-RunPatchBaseline', DocumentType: 'Command' });
    const stored = await ssm.send(new GetDocumentCommand({ Name: 'AWS-RunPatchBaseline' }));
    expect(stored.DocumentFormat).toBe('JSON');
    const body = JSON.parse(stored.Content!) as unknown;
    const yaml = await ssm.send(
      new GetDocumentCommand({ Name: 'AWS-RunPatchBaseline', DocumentFormat: 'YAML' }),
    );
    expect(yaml.DocumentFormat).toBe('YAML');
    expect(parseYaml(yaml.Content!)).toEqual(body);
    expect(yaml.Content).not.toMatch(/^\{/);
    await expect(ssm.send(new GetDocumentCommand({ Name: 'no-such-document' }))).rejects.toMatchObject({
      name: 'InvalidDocument',
    });
  });
});

describe('the AWS CLI against the sandbox account', () => {
  const cli = async (args: string[]): Promise<Record<string, unknown>> => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PAGER: '' };
    try {
      const { stdout } = await execFileAsync(
        'aws',
        [...args, '--endpoint-url', acct.url, '--region', acct.region, '--output', 'json'],
        { env },
      );
      return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error(
          'The AWS CLI (`aws`) is not on PATH. Install it (apt-get install -y awscli) to run this test.',
        );
      }
      throw err;
    }
  };

  test('aws events list-rules, aws sqs list-queues / get-queue-attributes / receive-message, aws ssm list-documents', async () => {
    const rules = (await cli(['events', 'list-rules'])) as { Rules: { Name: string }[] };
    expect(rules.Rules.map((r) => r.Name)).toEqual(deployedRules().map((r) => r.name));

    const queues = (await cli(['sqs', 'list-queues'])) as { QueueUrls: string[] };
    const q = Object.values(acct.deployed.queues)[0]!;
    expect(queues.QueueUrls).toContain(q.url);
    const attrs = (await cli([
      'sqs',
      'get-queue-attributes',
      '--queue-url',
      q.url,
      '--attribute-names',
      'All',
    ])) as { Attributes: Record<string, string> };
    expect(attrs.Attributes).toMatchObject({
      QueueArn: q.arn,
      ApproximateNumberOfMessages: expect.any(String),
    });

    const docs = (await cli(['ssm', 'list-documents', '--filters', 'Key=Owner,Values=Self'])) as {
      DocumentIdentifiers: { Name: string }[];
    };
    // The deployed documents and the stage's default change calendar the sandbox account seeds.
    expect(docs.DocumentIdentifiers.map((d) => d.Name).sort()).toEqual(
      [
        ...Object.values(acct.deployed.documents).map((d) => d.name),
        acct.fn('remediate').environment['DEFAULT_CALENDARS']!,
      ].sort(),
    );
  });
});
