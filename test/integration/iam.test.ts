/**
 * The sandbox denies what IAM would deny: each deployed function's calls are evaluated against its role
 * policy from the packaged template. Driven through the real SDK clients with each function's own
 * credentials (what its containers get), and through the real bundles (the on-failure destination that
 * Lambda sends with the function's execution role).
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxAccount } from '../../sandbox/account.ts';
import { TEMPLATE_FILE, type CfnTemplate } from '../../sandbox/template.ts';
import { automationStatusEvent, commandInvocationFailedEvent } from '../ledger/world.ts';
import { sharedTemplateDir, startTestAccount } from '../helpers/sandbox.ts';

const clientOpts = (acct: SandboxAccount, fn: string) => {
  const c = acct.fn(fn).credentials!;
  return {
    endpoint: acct.url,
    region: acct.region,
    credentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
    },
    maxAttempts: 1,
  };
};

const errorOf = async (p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> => {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('the call was allowed');
};

describe('each function role, through the real SDK', () => {
  let acct: SandboxAccount;
  beforeAll(async () => {
    acct = await startTestAccount();
  });
  afterAll(async () => {
    await acct?.close();
  });

  it('every function has its own credentials, mapped to its role from the template', () => {
    const fns = Object.values(acct.deployed.functions);
    expect(fns.length).toBeGreaterThanOrEqual(5);
    const keys = new Set(fns.map((f) => f.credentials?.accessKeyId));
    expect(keys.size).toBe(fns.length);
    for (const f of fns) expect(acct.iam.principal(f.credentials!.accessKeyId)?.role.arn).toBe(f.roleArn);
  });

  it('an unlisted action is denied for every role (SSM PutParameter on the kill switch, SNS CreateTopic)', async () => {
    // Not the stack's (absent = off): the operator writes it; every role but notifySlack's and
    // approvalCallback's may read it (those two read only their own Slack SecureString).
    const killSwitch = { name: '/ssm-remediator/sandbox/kill-switch', value: 'off' };
    acct.parameters.put({ name: killSwitch.name, type: 'String', value: killSwitch.value, overwrite: true });
    for (const [short, f] of Object.entries(acct.deployed.functions)) {
      const role = acct.iam.principal(f.credentials!.accessKeyId)!.role.name;
      const ssm = new SSMClient(clientOpts(acct, short));
      const sns = new SNSClient(clientOpts(acct, short));
      try {
        // Allowed: every role but the two Slack-facing ones reads the stage's switches.
        if (short === 'notifySlack' || short === 'approvalCallback')
          expect((await errorOf(ssm.send(new GetParameterCommand({ Name: killSwitch.name })))).name).toBe(
            'AccessDeniedException',
          );
        else await ssm.send(new GetParameterCommand({ Name: killSwitch.name }));
        const put = await errorOf(
          ssm.send(
            new PutParameterCommand({ Name: killSwitch.name, Value: 'on', Overwrite: true, Type: 'String' }),
          ),
        );
        expect(put.name).toBe('AccessDeniedException');
        expect(put.message).toBe(
          `User: arn:aws:sts::123456789012:assumed-role/${role}/${f.name} is not authorized to perform: ssm:PutParameter on resource: arn:aws:ssm:us-east-1:123456789012:parameter${killSwitch.name} because no identity-based policy allows the ssm:PutParameter action`,
        );
        const topic = await errorOf(sns.send(new CreateTopicCommand({ Name: 'attacker' })));
        expect(topic.name).toBe('AuthorizationErrorException'); // the SDK's name for SNS's AuthorizationError
        expect(topic.status).toBe(403);
        expect(topic.message).toContain('is not authorized to perform: sns:CreateTopic');
      } finally {
        ssm.destroy();
        sns.destroy();
      }
    }
    expect(acct.parameters.get(killSwitch.name).value).toBe(killSwitch.value);
    const counts = acct.iam.deniedCounts();
    for (const f of Object.values(acct.deployed.functions)) {
      const role = acct.iam.principal(f.credentials!.accessKeyId)!.role.name;
      expect(counts[`${role} ssm:PutParameter`]).toBe(1);
    }
  });

  it("the operator's keys (tests, CLI) are allowed", async () => {
    const ssm = new SSMClient({
      endpoint: acct.url,
      region: acct.region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      await ssm.send(new PutParameterCommand({ Name: '/operator/x', Value: '1', Type: 'String' }));
    } finally {
      ssm.destroy();
    }
  });

  it("the agent sweep's ledger writes hold only under its own leading key (dynamodb:LeadingKeys)", async () => {
    const ddb = new DynamoDBClient(clientOpts(acct, 'agentSweep'));
    const table = Object.values(acct.deployed.tables)[0]!.name;
    const update = (pk: string) =>
      ddb.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: { S: pk }, sk: { S: 'x' } },
          UpdateExpression: 'SET n = :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      );
    try {
      await update('COUNTER#agent-health');
      const denied = await errorOf(update('CLAIM#restricted-ssh#sg-1'));
      expect(denied.name).toBe('AccessDeniedException');
      expect(denied.message).toContain(
        'dynamodb:UpdateItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/',
      );
    } finally {
      ddb.destroy();
    }
  });
});

/** Every ledger call fails: the completion function errors, Lambda retries twice, then sends the
 * on-failure record to FailedInvocationsQueue with the function's role. */
async function failCompletion(acct: SandboxAccount): Promise<string> {
  acct.faults.add({ target: 'dynamodb:*', code: 'InternalServerError', status: 500 });
  const event = automationStatusEvent('6f0c1d2e-0000-4000-8000-000000000001', 'Success') as never;
  acct.bus.put(event);
  await acct.bus.idle();
  const invs = acct.lambda.invocations('complete');
  expect(invs.length).toBe(3);
  expect(invs.every((i) => !i.ok)).toBe(true);
  return (event as { id: string }).id;
}

describe('the packaged template: CompleteRole may send to its on-failure queue', () => {
  let acct: SandboxAccount;
  beforeAll(async () => {
    acct = await startTestAccount();
  });
  afterAll(async () => {
    await acct?.close();
  });

  it('a failed completion is captured in FailedInvocationsQueue, with no denial', async () => {
    const id = await failCompletion(acct);
    expect(acct.queueBodies('FailedInvocationsQueue')).toHaveLength(1);
    expect(acct.bus.fate(id)!.deliveries[0]!.status).toBe('failed');
    expect(acct.iam.denials()).toEqual([]);
  });

  it('EventBridge delivers a patch failure to the fan-out queue: the queue policy allows the rule', async () => {
    acct.faults.clear();
    acct.bus.put(commandInvocationFailedEvent() as never);
    await acct.bus.idle();
    expect(acct.queueBodies('PatchFailuresQueue')).toHaveLength(1);
    expect(acct.iam.denials()).toEqual([]);
  });
});

describe('a role without sqs:SendMessage on its on-failure queue (test-only template copy)', () => {
  let acct: SandboxAccount;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iam-template-'));
    cpSync(await sharedTemplateDir(), dir, { recursive: true });
    const file = join(dir, TEMPLATE_FILE);
    const t = JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;
    const policy = (
      t.Resources['CompleteRole']!.Properties!['Policies'] as Array<{
        PolicyDocument: { Statement: Array<{ Sid?: string }> };
      }>
    )[0]!;
    const before = policy.PolicyDocument.Statement.length;
    policy.PolicyDocument.Statement = policy.PolicyDocument.Statement.filter((s) => s.Sid !== 'DeadLetters');
    expect(policy.PolicyDocument.Statement.length).toBe(before - 1);
    // The fan-out queue's policy names only the non-compliance rule: the command-failed rule may not send.
    const queuePolicy = t.Resources['PatchFailuresQueuePolicy']!.Properties!['PolicyDocument'] as {
      Statement: Array<{ Condition: { ArnEquals: { 'aws:SourceArn': unknown[] } } }>;
    };
    queuePolicy.Statement[0]!.Condition.ArnEquals['aws:SourceArn'] = [
      { 'Fn::GetAtt': ['PatchNonCompliantRule', 'Arn'] },
    ];
    // The fan-out's role may not consume its queue: Lambda cannot poll it with that role.
    const fanout = (
      t.Resources['PatchFanoutRole']!.Properties!['Policies'] as Array<{
        PolicyDocument: { Statement: Array<{ Sid?: string }> };
      }>
    )[0]!;
    fanout.PolicyDocument.Statement = fanout.PolicyDocument.Statement.filter(
      (s) => s.Sid !== 'ConsumePatchFailures',
    );
    writeFileSync(file, JSON.stringify(t));
    acct = await startTestAccount({ templateDir: dir });
  });
  afterAll(async () => {
    await acct?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the failed completion is not captured: the destination is denied, and the denial is counted', async () => {
    const id = await failCompletion(acct);
    expect(acct.queueBodies('FailedInvocationsQueue')).toHaveLength(0);
    const fate = acct.bus.fate(id)!;
    expect(fate.deliveries[0]!.status).toBe('discarded');
    const denial = acct.iam.denials().find((d) => d.via === 'destination')!;
    expect(denial).toMatchObject({ principal: 'complete', action: 'sqs:SendMessage' });
    expect(denial.resource).toBe(acct.deployed.queues['FailedInvocationsQueue']!.arn);
    expect(acct.iam.deniedCounts()[`${denial.role} sqs:SendMessage`]).toBe(1);
  });

  it('a rule the queue policy does not name: EventBridge is denied, and the event goes to the target DLQ', async () => {
    acct.faults.clear();
    acct.bus.put(commandInvocationFailedEvent() as never);
    await acct.bus.idle();
    expect(acct.queueBodies('PatchFailuresQueue')).toHaveLength(0);
    const dlq = acct.sqs.messages(acct.queueUrl('EventTargetDeadLetterQueue'));
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.MessageAttributes['ERROR_CODE']?.StringValue).toBe('AccessDenied');
    const denial = acct.iam.denials().find((d) => d.via === 'rule-target')!;
    expect(denial).toMatchObject({ principal: 'events.amazonaws.com', action: 'sqs:SendMessage' });
    expect(denial.message).toContain('because no resource-based policy allows the sqs:SendMessage action');
  });

  it('an event-source mapping whose role may not receive from its queue is disabled; the message stays', async () => {
    const queue = acct.deployed.queues['PatchFailuresQueue']!;
    acct.sqs.send(queue.arn, JSON.stringify(commandInvocationFailedEvent()));
    await acct.bus.idle();
    expect(acct.lambda.invocations('patchFanout')).toHaveLength(0);
    expect(acct.sqs.pending(queue.arn)).toHaveLength(1);
    expect(acct.bus.eventSourceMappings()[0]!.enabled).toBe(false);
    const denial = acct.iam.denials().find((d) => d.via === 'event-source-mapping')!;
    expect(denial).toMatchObject({
      principal: 'patchFanout',
      action: 'sqs:ReceiveMessage',
      resource: queue.arn,
    });
  });
});
