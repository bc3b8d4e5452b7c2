import { describe, expect, it } from 'vitest';
import { iamRequests, type TableEnv } from '../../sandbox/iam/actions.ts';
import { deniedMessage, evaluate, globMatch, type Statement } from '../../sandbox/iam/evaluate.ts';

const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/ledger';
const allow = (extra: Partial<Statement>): Statement => ({ Effect: 'Allow', ...extra });
const decide = (statements: Statement[], req: Parameters<typeof evaluate>[1]) =>
  evaluate(statements, req).decision;

describe('IAM evaluation', () => {
  it('implicit deny when nothing allows; allow when a statement does', () => {
    const req = { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:123456789012:q' };
    expect(decide([], req)).toBe('implicit-deny');
    expect(decide([allow({ Action: 'sqs:SendMessage', Resource: req.resource })], req)).toBe('allow');
    expect(decide([allow({ Action: 'sqs:SendMessage', Resource: `${req.resource}-other` })], req)).toBe(
      'implicit-deny',
    );
  });

  it('an explicit Deny beats any Allow', () => {
    const req = { action: 'ssm:PutParameter', resource: 'arn:aws:ssm:us-east-1:1:parameter/x' };
    const statements: Statement[] = [
      allow({ Action: '*', Resource: '*' }),
      { Effect: 'Deny', Action: 'ssm:Put*', Resource: 'arn:aws:ssm:*:*:parameter/*' },
    ];
    const v = evaluate(statements, req);
    expect(v.decision).toBe('explicit-deny');
    expect(deniedMessage('arn:aws:sts::1:assumed-role/R/f', req, v)).toBe(
      'User: arn:aws:sts::1:assumed-role/R/f is not authorized to perform: ssm:PutParameter on resource: arn:aws:ssm:us-east-1:1:parameter/x with an explicit deny in an identity-based policy',
    );
  });

  it('wildcards: actions case-insensitive with * and ?, resources case-sensitive, * crosses : and /', () => {
    expect(globMatch('ssm:Get*', 'SSM:GETPARAMETER', true)).toBe(true);
    expect(globMatch('ssm:Get?arameter', 'ssm:GetParameter', true)).toBe(true);
    expect(globMatch('ssm:Get?arameter', 'ssm:GetParameters', true)).toBe(false);
    const s = allow({ Action: 'ssm:get*', Resource: 'arn:aws:ssm:*:parameter/app/*' });
    expect(
      decide([s], { action: 'ssm:GetParameters', resource: 'arn:aws:ssm:us-east-1:1:parameter/app/a/b' }),
    ).toBe('allow');
    expect(
      decide([s], { action: 'ssm:GetParameters', resource: 'arn:aws:ssm:us-east-1:1:parameter/App/a' }),
    ).toBe('implicit-deny');
  });

  it('NotAction and NotResource', () => {
    const notAction = allow({ NotAction: ['iam:*', 'ssm:PutParameter'], Resource: '*' });
    expect(decide([notAction], { action: 'sqs:SendMessage', resource: 'x' })).toBe('allow');
    expect(decide([notAction], { action: 'iam:PassRole', resource: 'x' })).toBe('implicit-deny');
    expect(decide([notAction], { action: 'ssm:PutParameter', resource: 'x' })).toBe('implicit-deny');
    const notResource = allow({ Action: 'sns:Publish', NotResource: 'arn:aws:sns:*:*:secret-*' });
    expect(decide([notResource], { action: 'sns:Publish', resource: 'arn:aws:sns:r:1:results' })).toBe(
      'allow',
    );
    expect(decide([notResource], { action: 'sns:Publish', resource: 'arn:aws:sns:r:1:secret-a' })).toBe(
      'implicit-deny',
    );
    const denyAllBut = { Effect: 'Deny', NotAction: 'sts:*', Resource: '*' } satisfies Statement;
    expect(
      decide([allow({ Action: '*', Resource: '*' }), denyAllBut], { action: 'sqs:X', resource: 'x' }),
    ).toBe('explicit-deny');
  });

  it('StringEquals / StringLike: every key must hold, any value may match; absent key fails', () => {
    const s = allow({
      Action: 'events:PutEvents',
      Resource: '*',
      Condition: { StringEquals: { 'events:source': 'ssm-remediator', 'events:detail-type': ['A', 'B'] } },
    });
    const req = (context: Record<string, string | undefined>) => ({
      action: 'events:PutEvents',
      resource: 'x',
      context,
    });
    expect(decide([s], req({ 'events:source': 'ssm-remediator', 'events:detail-type': 'B' }))).toBe('allow');
    expect(decide([s], req({ 'EVENTS:SOURCE': 'ssm-remediator', 'events:detail-type': 'A' }))).toBe('allow');
    expect(decide([s], req({ 'events:source': 'attacker', 'events:detail-type': 'A' }))).toBe(
      'implicit-deny',
    );
    expect(decide([s], req({ 'events:detail-type': 'A' }))).toBe('implicit-deny');
    const like = allow({
      Action: '*',
      Resource: '*',
      Condition: { StringLike: { 'ssm:resourceTag/opt-in': 'y*' } },
    });
    expect(
      decide([like], { action: 'a:b', resource: 'x', context: { 'ssm:resourceTag/opt-in': 'yes' } }),
    ).toBe('allow');
    expect(
      decide([like], { action: 'a:b', resource: 'x', context: { 'ssm:resourceTag/opt-in': 'no' } }),
    ).toBe('implicit-deny');
    expect(decide([like], { action: 'a:b', resource: 'x' })).toBe('implicit-deny');
  });

  it('IfExists: an absent key passes; a present one must match', () => {
    const s = allow({
      Action: '*',
      Resource: '*',
      Condition: { StringEqualsIfExists: { 'ssm:resourceTag/env': 'dev' } },
    });
    expect(decide([s], { action: 'a:b', resource: 'x' })).toBe('allow');
    expect(decide([s], { action: 'a:b', resource: 'x', context: { 'ssm:resourceTag/env': 'dev' } })).toBe(
      'allow',
    );
    expect(decide([s], { action: 'a:b', resource: 'x', context: { 'ssm:resourceTag/env': 'prod' } })).toBe(
      'implicit-deny',
    );
  });

  it('negated operators: true when no value matches, and when the key is absent', () => {
    const s = allow({ Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:k': ['a', 'b'] } } });
    expect(decide([s], { action: 'a:b', resource: 'x', context: { 'aws:k': 'c' } })).toBe('allow');
    expect(decide([s], { action: 'a:b', resource: 'x', context: { 'aws:k': 'b' } })).toBe('implicit-deny');
    expect(decide([s], { action: 'a:b', resource: 'x' })).toBe('allow');
  });

  it('ForAllValues:StringLike with dynamodb:LeadingKeys: every leading key must match; ForAnyValue needs one', () => {
    const s = allow({
      Action: 'dynamodb:UpdateItem',
      Resource: TABLE,
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['COUNTER#*'] } },
    });
    const req = (keys?: string[]) => ({
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:LeadingKeys': keys },
    });
    expect(decide([s], req(['COUNTER#agent-health']))).toBe('allow');
    expect(decide([s], req(['COUNTER#a', 'CLAIM#x']))).toBe('implicit-deny');
    // AWS: ForAllValues is true when the request has no such key (a Scan names no leading key).
    expect(decide([s], req(undefined))).toBe('allow');
    const any = allow({
      Action: '*',
      Resource: '*',
      Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } },
    });
    expect(decide([any], { action: 'x:y', resource: 'r', context: { 'aws:TagKeys': ['b', 'a'] } })).toBe(
      'allow',
    );
    expect(decide([any], { action: 'x:y', resource: 'r', context: { 'aws:TagKeys': ['b'] } })).toBe(
      'implicit-deny',
    );
    expect(decide([any], { action: 'x:y', resource: 'r' })).toBe('implicit-deny');
  });

  it('iam:PassRole with iam:PassedToService', () => {
    const role = 'arn:aws:iam::1:role/automation';
    const s = allow({
      Action: 'iam:PassRole',
      Resource: role,
      Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
    });
    expect(
      decide([s], {
        action: 'iam:PassRole',
        resource: role,
        context: { 'iam:PassedToService': 'ssm.amazonaws.com' },
      }),
    ).toBe('allow');
    expect(
      decide([s], {
        action: 'iam:PassRole',
        resource: role,
        context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
      }),
    ).toBe('implicit-deny');
  });

  it('ArnLike / ArnEquals on aws:SourceArn, Null, Bool, Numeric', () => {
    const rule = 'arn:aws:events:us-east-1:1:rule/patch-failed';
    const arnLike = allow({
      Action: '*',
      Resource: '*',
      Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:events:*:1:rule/*' } },
    });
    expect(decide([arnLike], { action: 'a:b', resource: 'x', context: { 'aws:SourceArn': rule } })).toBe(
      'allow',
    );
    expect(
      decide([arnLike], {
        action: 'a:b',
        resource: 'x',
        context: { 'aws:SourceArn': 'arn:aws:events:us-east-1:2:rule/x' },
      }),
    ).toBe('implicit-deny');
    const arnEquals = allow({
      Action: '*',
      Resource: '*',
      Condition: { ArnEquals: { 'aws:SourceArn': rule } },
    });
    expect(decide([arnEquals], { action: 'a:b', resource: 'x', context: { 'aws:SourceArn': rule } })).toBe(
      'allow',
    );
    const isNull = allow({ Action: '*', Resource: '*', Condition: { Null: { 'aws:TagKeys': 'true' } } });
    expect(decide([isNull], { action: 'a:b', resource: 'x' })).toBe('allow');
    expect(decide([isNull], { action: 'a:b', resource: 'x', context: { 'aws:TagKeys': ['k'] } })).toBe(
      'implicit-deny',
    );
    const bool = allow({
      Action: '*',
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'true' } },
    });
    expect(decide([bool], { action: 'a:b', resource: 'x', context: { 'aws:SecureTransport': 'true' } })).toBe(
      'allow',
    );
    expect(
      decide([bool], { action: 'a:b', resource: 'x', context: { 'aws:SecureTransport': 'false' } }),
    ).toBe('implicit-deny');
    const lt = allow({
      Action: '*',
      Resource: '*',
      Condition: { NumericLessThanEquals: { 's3:max-keys': '10' } },
    });
    expect(decide([lt], { action: 'a:b', resource: 'x', context: { 's3:max-keys': '9' } })).toBe('allow');
    expect(decide([lt], { action: 'a:b', resource: 'x', context: { 's3:max-keys': '11' } })).toBe(
      'implicit-deny',
    );
  });

  it('an unknown condition operator throws (never allows by accident)', () => {
    const s = allow({ Action: '*', Resource: '*', Condition: { StringSoundsLike: { 'aws:k': 'a' } } });
    expect(() => evaluate([s], { action: 'a:b', resource: 'x', context: { 'aws:k': 'a' } })).toThrow(
      /unsupported condition operator StringSoundsLike/,
    );
  });

  it('resource policies: the Principal must name the caller (service or role), and a Deny there wins', () => {
    const queue = 'arn:aws:sqs:us-east-1:1:patch-failures';
    const policy: Statement[] = [
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queue,
        Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:events:us-east-1:1:rule/patch' } },
      },
    ];
    const events = { arn: 'events.amazonaws.com', service: 'events.amazonaws.com', account: '1' };
    const send = (sourceArn: string) => ({
      action: 'sqs:SendMessage',
      resource: queue,
      caller: events,
      context: { 'aws:SourceArn': sourceArn },
    });
    expect(evaluate([], send('arn:aws:events:us-east-1:1:rule/patch'), policy).decision).toBe('allow');
    expect(evaluate([], send('arn:aws:events:us-east-1:1:rule/other'), policy).decision).toBe(
      'implicit-deny',
    );
    const role = { arn: 'arn:aws:sts::1:assumed-role/R/f', roleArn: 'arn:aws:iam::1:role/R', account: '1' };
    expect(evaluate([], { action: 'sqs:SendMessage', resource: queue, caller: role }, policy).decision).toBe(
      'implicit-deny',
    );
    const byRole: Statement[] = [
      { Effect: 'Allow', Principal: { AWS: role.roleArn }, Action: 'sqs:*', Resource: queue },
    ];
    expect(evaluate([], { action: 'sqs:SendMessage', resource: queue, caller: role }, byRole).decision).toBe(
      'allow',
    );
    const deny: Statement[] = [{ Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: queue }];
    const v = evaluate(
      [allow({ Action: '*', Resource: '*' })],
      { action: 'sqs:SendMessage', resource: queue, caller: role },
      deny,
    );
    expect(v).toMatchObject({ decision: 'explicit-deny', source: 'resource' });
  });
});

describe('operation → IAM requests', () => {
  const env: TableEnv = {
    account: '123456789012',
    region: 'us-east-1',
    partition: 'aws',
    queueArn: (url) => `arn:aws:sqs:us-east-1:123456789012:${url.split('/').pop()}`,
    instanceTags: (id): Record<string, string> => (id === 'i-1' ? { 'ssm-remediator:opt-in': 'true' } : {}),
    partitionKey: () => 'pk',
    configRuleArn: () => undefined,
  };

  it('SendCommand: the document (AWS-owned: no account) and each instance, with its tags as ssm:resourceTag', () => {
    const reqs = iamRequests(
      'ssm',
      'SendCommand',
      { DocumentName: 'AWS-RunPatchBaseline', InstanceIds: ['i-1', 'mi-2'] },
      env,
    );
    expect(reqs).toEqual([
      { action: 'ssm:SendCommand', resource: 'arn:aws:ssm:us-east-1::document/AWS-RunPatchBaseline' },
      {
        action: 'ssm:SendCommand',
        resource: 'arn:aws:ec2:us-east-1:123456789012:instance/i-1',
        context: { 'ssm:resourceTag/ssm-remediator:opt-in': 'true' },
      },
      {
        action: 'ssm:SendCommand',
        resource: 'arn:aws:ssm:us-east-1:123456789012:managed-instance/mi-2',
        context: {},
      },
    ]);
  });

  it('StartAutomationExecution: the definition, tags, and iam:PassRole of the assume role to SSM', () => {
    const reqs = iamRequests(
      'ssm',
      'StartAutomationExecution',
      {
        DocumentName: 'AWS-RestartEC2Instance',
        Tags: [{ Key: 'k', Value: 'v' }],
        Parameters: { AutomationAssumeRole: ['arn:aws:iam::123456789012:role/auto'] },
      },
      env,
    );
    expect(reqs.map((r) => [r.action, r.resource])).toEqual([
      [
        'ssm:StartAutomationExecution',
        'arn:aws:ssm:us-east-1:123456789012:automation-definition/AWS-RestartEC2Instance:$DEFAULT',
      ],
      ['ssm:AddTagsToResource', 'arn:aws:ssm:us-east-1:123456789012:automation-execution/*'],
      ['iam:PassRole', 'arn:aws:iam::123456789012:role/auto'],
    ]);
    expect(reqs[2]!.context).toEqual({ 'iam:PassedToService': 'ssm.amazonaws.com' });
  });

  it('DynamoDB: the table or index, and the partition key values as dynamodb:LeadingKeys', () => {
    expect(
      iamRequests(
        'dynamodb',
        'PutItem',
        { TableName: 'ledger', Item: { pk: { S: 'A' }, sk: { S: 'b' } } },
        env,
      ),
    ).toEqual([
      {
        action: 'dynamodb:PutItem',
        resource: TABLE,
        context: { 'dynamodb:LeadingKeys': ['A'] },
      },
    ]);
    const q = iamRequests(
      'dynamodb',
      'Query',
      {
        TableName: 'ledger',
        KeyConditionExpression: '#p = :p AND begins_with(sk, :s)',
        ExpressionAttributeNames: { '#p': 'pk' },
        ExpressionAttributeValues: { ':p': { S: 'COUNTER#x' }, ':s': { S: 'a' } },
      },
      env,
    );
    expect(q[0]!.context).toEqual({ 'dynamodb:LeadingKeys': ['COUNTER#x'] });
    const onIndex = iamRequests('dynamodb', 'Query', { TableName: 'ledger', IndexName: 'gsi1' }, env);
    expect(onIndex).toEqual([{ action: 'dynamodb:Query', resource: `${TABLE}/index/gsi1` }]);
  });

  it('PutEvents: one request per entry on its bus, with events:source and events:detail-type', () => {
    const reqs = iamRequests(
      'events',
      'PutEvents',
      { Entries: [{ Source: 's', DetailType: 'd', EventBusName: 'own' }] },
      env,
    );
    expect(reqs).toEqual([
      {
        action: 'events:PutEvents',
        resource: 'arn:aws:events:us-east-1:123456789012:event-bus/own',
        context: { 'events:source': 's', 'events:detail-type': 'd' },
      },
    ]);
  });

  it('an operation not in the table: <prefix>:<Operation> on *', () => {
    expect(iamRequests('tagging', 'GetResources', {}, env)).toEqual([
      { action: 'tag:GetResources', resource: '*' },
    ]);
  });
});
