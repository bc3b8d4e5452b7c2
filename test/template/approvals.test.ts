/** The approval callback in the packaged template: a Function URL, its Output, least privilege (docs/approvals.md). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inject, test } from 'vitest';
import type { Template } from '../helpers/package.ts';

const t = JSON.parse(
  readFileSync(join(inject('packagedDir'), 'cloudformation-template-update-stack.json'), 'utf8'),
) as Template & { Outputs: Record<string, { Value: unknown }> };

type St = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const statements = (roleId: string): St[] =>
  (t.Resources[roleId]!.Properties!.Policies as Array<{ PolicyDocument: { Statement: St[] } }>)[0]!
    .PolicyDocument.Statement;
const actions = (s: St) => ([] as string[]).concat(s.Action);

test('the callback is reachable through a Function URL with authType NONE, named in the Outputs', () => {
  expect(t.Resources.ApprovalCallbackLambdaFunctionUrl).toMatchObject({
    Type: 'AWS::Lambda::Url',
    Properties: { AuthType: 'NONE' },
  });
  expect(t.Outputs.ApprovalCallbackUrl!.Value).toEqual({
    'Fn::GetAtt': ['ApprovalCallbackLambdaFunctionUrl', 'FunctionUrl'],
  });
});

test('the signing secret is readable by the callback’s role alone, outside every other role’s parameter path', () => {
  const env = (
    t.Resources.ApprovalCallbackLambdaFunction!.Properties!.Environment as {
      Variables: Record<string, string>;
    }
  ).Variables;
  expect(env['SLACK_SIGNING_SECRET_PARAM']).toBe('/ssm-remediator-approvals/sandbox/slack-signing-secret');
  expect(env['APPROVERS']).toBe('U0SANDBOX1,U0SANDBOX2');
  for (const [id, r] of Object.entries(t.Resources)) {
    if (r.Type !== 'AWS::IAM::Role' || id.startsWith('AutomationRole')) continue;
    const touching = statements(id).filter((s) =>
      JSON.stringify(s.Resource).includes('ssm-remediator-approvals'),
    );
    if (id === 'ApprovalCallbackRole') {
      // Two parameters, one statement each: the signing secret and the bot token (user-group approvers).
      expect(touching.map((s) => actions(s))).toEqual([['ssm:GetParameter'], ['ssm:GetParameter']]);
      const named = touching.map((s) => JSON.stringify(s.Resource)).join(' ');
      expect(named).toContain('ssm-remediator-approvals/sandbox/slack-signing-secret');
      expect(named).toContain('ssm-remediator-approvals/sandbox/slack-bot-token');
    } else expect(touching, id).toEqual([]);
  }
});

test('the callback’s role: approval items only, one event, nothing of SSM’s acting APIs', () => {
  const st = statements('ApprovalCallbackRole').filter((s) => s.Effect === 'Allow');
  const all = st.flatMap(actions).sort();
  expect(all).toEqual(
    [
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'events:PutEvents',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'ssm:GetParameter', // the signing secret
      'ssm:GetParameter', // the bot token
    ].sort(),
  );
  const update = st.find((s) => actions(s).includes('dynamodb:UpdateItem'))!;
  expect(update.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['APPROVAL#*'] } });
});

test('acting roles may write approval requests (APPROVAL#*), under their LeadingKeys', () => {
  for (const role of ['RemediateRole', 'ReconcileRole']) {
    const writes = statements(role).find((s) => s.Sid === 'LedgerWrites')!;
    expect(JSON.stringify(writes.Condition), role).toContain('APPROVAL#*');
  }
});
