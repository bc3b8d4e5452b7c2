/**
 * The packaged template (serverless package, offline): the patch rules feed the queue, the queue
 * feeds patchFanout in batches, the sweep runs on its schedule, our event reaches remediate, our
 * document is deployed, and SendCommand names only the documents the service uses.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import {
  ACTING_ROLES,
  actions,
  projectRoot,
  resources,
  roleStatements,
  type Template,
} from '../helpers/package.ts';

let t: Template;
beforeAll(() => {
  // The suite packages the service once (test/global-setup.ts); every template test reads that.
  t = JSON.parse(
    readFileSync(join(inject('packagedDir'), 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
});

const props = (id: string) => {
  const r = t.Resources[id];
  if (!r) throw new Error(`${id} is not in the template`);
  return (r.Properties ?? {}) as Record<string, unknown>;
};
const ref = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

describe('patch failures: EventBridge → SQS → patchFanout', () => {
  test.each([
    [
      'PatchCommandFailedRule',
      {
        source: ['aws.ssm'],
        'detail-type': ['EC2 Command Invocation Status-change Notification'],
        detail: { 'document-name': ['AWS-RunPatchBaseline'], status: ['Failed', 'TimedOut'] },
      },
    ],
    [
      'PatchNonCompliantRule',
      {
        source: ['aws.ssm'],
        'detail-type': ['Configuration Compliance State Change'],
        detail: { 'compliance-type': ['Patch'], 'compliance-status': ['non_compliant'] },
      },
    ],
  ])('%s targets the queue with a retry policy and a DLQ', (id, pattern) => {
    const p = props(id);
    expect(t.Resources[id]!.Type).toBe('AWS::Events::Rule');
    expect(p.EventPattern).toEqual(pattern);
    expect(p.Targets).toEqual([
      {
        Id: 'PatchFailuresQueue',
        Arn: ref('PatchFailuresQueue'),
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 10 },
        DeadLetterConfig: { Arn: ref('EventTargetDeadLetterQueue') },
      },
    ]);
  });

  test('the queue redrives to its DLQ, and only the two rules may write to it', () => {
    expect(props('PatchFailuresQueue').RedrivePolicy).toEqual({
      deadLetterTargetArn: ref('PatchFailuresDeadLetterQueue'),
      maxReceiveCount: 5,
    });
    const st = (props('PatchFailuresQueuePolicy').PolicyDocument as { Statement: unknown[] }).Statement;
    expect(st).toEqual([
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Condition: {
          ArnEquals: { 'aws:SourceArn': [ref('PatchCommandFailedRule'), ref('PatchNonCompliantRule')] },
        },
      }),
    ]);
  });

  test('patchFanout reads the queue in batches with partial batch responses', () => {
    expect(props('PatchFanoutEventSourceMappingSQSPatchFailuresQueue')).toMatchObject({
      EventSourceArn: ref('PatchFailuresQueue'),
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 60,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(props('PatchFanoutLambdaFunction')).toMatchObject({
      Handler: '.build/patch-fanout/index.handler',
      Role: ref('PatchFanoutRole'),
    });
  });
});

describe('agent disconnects', () => {
  test('the sweep runs on its schedule with its own role', () => {
    const schedule = Object.entries(t.Resources).find(
      ([, r]) =>
        r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties).includes('AgentSweepLambdaFunction'),
    )!;
    expect(schedule[1].Properties).toMatchObject({ ScheduleExpression: 'rate(5 minutes)' });
    expect(props('AgentSweepLambdaFunction')).toMatchObject({
      Handler: '.build/agent-sweep/index.handler',
      Role: ref('AgentSweepRole'),
      ReservedConcurrentExecutions: 1,
    });
    const env = (props('AgentSweepLambdaFunction').Environment as { Variables: Record<string, string> })
      .Variables;
    expect(env).toMatchObject({ AGENT_STALE_MINUTES: '15', AGENT_DEBOUNCE_SWEEPS: '3' });
  });

  test('our SSM Agent Disconnected event reaches remediate, with the Config rule’s retry policy and DLQ', () => {
    const rules = Object.values(t.Resources).filter(
      (r) =>
        r.Type === 'AWS::Events::Rule' &&
        JSON.stringify(r.Properties?.EventPattern ?? {}) ===
          JSON.stringify({ source: ['ssm-remediator'], 'detail-type': ['SSM Agent Disconnected'] }),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties!.Targets).toEqual([
      expect.objectContaining({
        Arn: ref('RemediateLambdaFunction'),
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 10 },
        DeadLetterConfig: { Arn: ref('EventTargetDeadLetterQueue') },
      }),
    ]);
  });

  test('AgentSweepRole: no wildcard actions, PutEvents only for our source on the service’s bus, no acting permissions', () => {
    const st = roleStatements(t, 'AgentSweepRole');
    for (const s of st) for (const a of actions(s)) expect(a).not.toContain('*');
    const put = st.find((s) => actions(s).includes('events:PutEvents'))!;
    expect(JSON.stringify(resources(put))).toContain(
      ':event-bus/ssm-remediator-${sls:stage}'.replace('${sls:stage}', 'sandbox'),
    );
    expect(JSON.stringify(resources(put))).not.toContain('event-bus/default');
    expect(put.Condition).toEqual({
      StringEquals: { 'events:source': 'ssm-remediator', 'events:detail-type': 'SSM Agent Disconnected' },
    });
    const all = st.flatMap(actions);
    expect(all).toEqual(expect.arrayContaining(['ssm:DescribeInstanceInformation', 'sns:Publish']));
    expect(all).not.toContain('ssm:SendCommand');
    expect(all).not.toContain('ssm:StartAutomationExecution');
  });
});

describe('documents and SendCommand IAM', () => {
  test('our document is deployed as a Command document', () => {
    expect(t.Resources.DocSsmRemediatorRestartAgent).toMatchObject({
      Type: 'AWS::SSM::Document',
      Properties: { Name: 'SsmRemediator-RestartAgent', DocumentType: 'Command', DocumentFormat: 'YAML' },
    });
  });

  test('SendCommand names only the documents the service uses, in every acting role', () => {
    const docs = new Set<string>();
    for (const role of ACTING_ROLES.filter((r) => t.Resources[r])) {
      const send = roleStatements(t, role).filter((s) => actions(s).includes('ssm:SendCommand'));
      expect(send.length).toBeGreaterThan(0);
      for (const s of send) {
        for (const r of resources(s)) {
          expect(r).not.toBe('*');
          const arn = JSON.stringify(r);
          const doc = /:document\/([^"]+)"/.exec(arn)?.[1];
          if (doc) docs.add(doc);
          else expect(arn).toMatch(/:(instance|managed-instance)\/\*"/);
        }
      }
    }
    expect([...docs].sort()).toEqual(['AWS-RunPatchBaseline', 'SsmRemediator-RestartAgent']);
  });

  test('PatchFanoutRole has no wildcard actions', () => {
    for (const s of roleStatements(t, 'PatchFanoutRole'))
      for (const a of actions(s)) expect(a).not.toContain('*');
  });
});

describe('SsmRemediator-RestartAgent.yaml', () => {
  const file = resolve(projectRoot, 'src/runbooks/documents/SsmRemediator-RestartAgent.yaml');
  const doc = parse(readFileSync(file, 'utf8')) as {
    schemaVersion: string;
    parameters: Record<string, { allowedPattern?: string; interpolationType?: string; default?: string }>;
    mainSteps: { inputs: { runCommand: string[] } }[];
  };

  test('a name AWS does not reserve', () => {
    expect('SsmRemediator-RestartAgent').not.toMatch(
      /^(aws|amazon|amzn|AWSEC2|AWSConfigRemediation|AWSSupport)/i,
    );
  });

  test('every parameter: allowedPattern valid in Java and RE2 that admits its default, passed as ENV_VAR', () => {
    expect(doc.schemaVersion).toBe('2.2');
    for (const [name, p] of Object.entries(doc.parameters)) {
      expect(p.allowedPattern, name).toBeTruthy();
      expect(p.allowedPattern).not.toMatch(/\(\?[=!<>]|\\[1-9]/);
      expect(new RegExp(p.allowedPattern!).test(p.default ?? ''), name).toBe(true);
      expect(p.interpolationType, name).toBe('ENV_VAR');
    }
    expect(new RegExp(doc.parameters.DelaySeconds!.allowedPattern!).test('5; reboot')).toBe(false);
  });

  test('no {{ }} in any script: parameters are read as quoted environment variables', () => {
    const scripts = doc.mainSteps.flatMap((s) => s.inputs.runCommand).join('\n');
    expect(scripts).not.toContain('{{');
    expect(scripts).toContain('"$SSM_DelaySeconds"');
    expect(scripts).toContain('$env:SSM_DelaySeconds');
  });
});
