/**
 * Every Lambda role is built from serverless/iam.cjs: no role is written by hand in serverless.yml,
 * every function has an entry, and an adapter a function is granted is one its handler really wires.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';

const root = resolve(import.meta.dirname, '../..');
interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
interface Ctx {
  stage: string;
  webhookParam: string;
  signingSecretParam?: string;
  botTokenParam?: string;
}
const iam = createRequire(import.meta.url)('../../serverless/iam.cjs') as {
  ADAPTERS: Record<string, (c: Ctx) => Statement[]>;
  FUNCTIONS: Record<string, { role: string; adapters: string[]; acts?: string[] }>;
  functionStatements: (name: string, fn: unknown, c: Ctx) => Statement[];
  merge: (s: Statement[]) => Statement[];
};
const yml = readFileSync(resolve(root, 'serverless.yml'), 'utf8');
const config = parseYaml(yml, {
  customTags: ['Ref', 'GetAtt', 'Sub'].map((tag) => ({
    tag: `!${tag}`,
    resolve: (s: string) => ({ [tag]: s }),
  })),
}) as {
  functions: Record<string, { role: string; handler: string }>;
  resources: { Resources: Record<string, { Type: string }> };
};

/** The files a source file reaches through its relative imports. */
function reachable(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry) || !existsSync(entry)) return seen;
  seen.add(entry);
  for (const m of readFileSync(entry, 'utf8').matchAll(/from '(\.{1,2}\/[^']+\.ts)'/g))
    reachable(resolve(dirname(entry), m[1]!), seen);
  return seen;
}

describe('serverless/iam.cjs', () => {
  test('no Lambda role is written by hand in serverless.yml; every function has its entry and role', () => {
    const handWritten = Object.entries(config.resources.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .map(([id]) => id);
    expect(handWritten).toEqual([]);
    expect(Object.keys(config.functions).sort()).toEqual(Object.keys(iam.FUNCTIONS).sort());
    for (const [name, fn] of Object.entries(config.functions))
      expect(fn.role, name).toBe(iam.FUNCTIONS[name]!.role);
  });

  test('every adapter granted is a file in src/adapters/ that the function’s handler reaches', () => {
    for (const [name, decl] of Object.entries(iam.FUNCTIONS)) {
      const handler = resolve(
        root,
        'src/handlers',
        `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}.ts`,
      );
      const files = reachable(handler);
      for (const a of decl.adapters) {
        expect(iam.ADAPTERS[a], `${name}: ${a}`).toBeTypeOf('function');
        const file = resolve(root, 'src/adapters', `${a.split(':')[0]}.ts`);
        expect(files.has(file), `${name} grants ${a}, which its handler does not wire`).toBe(true);
      }
    }
  });

  test('a role = its config (logs, queue, failure destination) + its adapters, merged by Sid', () => {
    const st = iam.functionStatements(
      'complete',
      {
        name: 'ssm-remediator-t-complete',
        destinations: {
          onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['FailedInvocationsQueue', 'Arn'] } },
        },
      },
      { stage: 't', webhookParam: '' },
    );
    const sids = st.map((s) => s.Sid);
    expect(sids[0]).toBe('Logs');
    expect(sids).toEqual([...new Set(sids)]);
    expect(sids).toEqual(
      expect.arrayContaining(['Ledger', 'Report', 'DeadLetters', 'SignalAdmissionSlotFreed']),
    );
    expect(st.find((s) => s.Sid === 'Logs')!.Resource).toEqual({
      'Fn::Sub':
        'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/ssm-remediator-t-complete:*',
    });
    const merged = iam.merge([
      { Sid: 'D', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'a' },
      { Sid: 'D', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'b' },
    ]);
    expect(merged).toEqual([{ Sid: 'D', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: ['a', 'b'] }]);
    expect(() => iam.functionStatements('nope', {}, { stage: 't', webhookParam: '' })).toThrow(
      /no IAM entry/,
    );
  });

  test('the approval callback reads its signing secret and its bot token, exactly those two parameters', () => {
    const c = {
      stage: 't',
      webhookParam: '/ssm-remediator/t/slack-webhook',
      signingSecretParam: '/ssm-remediator-approvals/t/slack-signing-secret',
      botTokenParam: '/ssm-remediator-approvals/t/slack-bot-token',
    };
    const st = iam.functionStatements('approvalCallback', { name: 'ssm-remediator-t-approvalCallback' }, c);
    const ssm = st.filter((s) => [s.Action].flat().some((a) => a.startsWith('ssm:')));
    expect(ssm.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      [
        'ReadSigningSecret',
        'ssm:GetParameter',
        {
          'Fn::Sub':
            'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/ssm-remediator-approvals/t/slack-signing-secret',
        },
      ],
      [
        'ReadSlackBotToken',
        'ssm:GetParameter',
        {
          'Fn::Sub':
            'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/ssm-remediator-approvals/t/slack-bot-token',
        },
      ],
    ]);
    // A stage that sets no bot token param grants nothing for it.
    const none = iam.functionStatements('approvalCallback', { name: 'x' }, { ...c, botTokenParam: '' });
    expect(none.map((s) => s.Sid)).not.toContain('ReadSlackBotToken');
  });
});
