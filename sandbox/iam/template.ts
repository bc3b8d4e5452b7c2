/**
 * The template's IAM as the sandbox evaluates it (./index.ts): each role's statements (inline
 * `Policies`, plus `AWS::IAM::Policy` / `AWS::IAM::ManagedPolicy` attached to it by name) and the
 * resource-based policies by resource ARN (queue policies, event bus policies, Lambda permissions),
 * with the intrinsics already resolved by deploy.ts.
 */
import type { CfnResource } from '../template.ts';
import type { IamRole } from './index.ts';
import type { Statement } from './evaluate.ts';

export interface IamTemplateInput {
  byType(type: string): Array<[string, CfnResource]>;
  /** A resource's Properties with the intrinsics resolved. */
  props(id: string, r: CfnResource): Record<string, unknown>;
  roleName(id: string): string;
  roleArn(id: string): string;
  queues: Array<{ arn: string; url: string }>;
  functions: Array<{ arn: string; name: string }>;
  /** A bus name or ARN → its ARN. */
  busArn(bus: string): string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const statementsOf = (doc: unknown): Statement[] => {
  const parsed: unknown = typeof doc === 'string' ? JSON.parse(doc) : doc;
  const st = (parsed as { Statement?: unknown } | undefined)?.Statement;
  return (Array.isArray(st) ? st : st ? [st] : []) as Statement[];
};

export function iamFromTemplate(t: IamTemplateInput): {
  roles: Record<string, IamRole>;
  resourcePolicies: Record<string, Statement[]>;
} {
  const roles: Record<string, IamRole> = {};
  const resourcePolicies: Record<string, Statement[]> = {};
  for (const [id, r] of t.byType('AWS::IAM::Role')) {
    const p = t.props(id, r);
    const policies = (p['Policies'] as Array<{ PolicyDocument?: unknown }> | undefined) ?? [];
    roles[id] = {
      logicalId: id,
      name: t.roleName(id),
      arn: t.roleArn(id),
      statements: policies.flatMap((x) => statementsOf(x.PolicyDocument)),
    };
  }
  for (const [id, r] of [...t.byType('AWS::IAM::Policy'), ...t.byType('AWS::IAM::ManagedPolicy')]) {
    const p = t.props(id, r);
    for (const name of (p['Roles'] as string[] | undefined) ?? []) {
      Object.values(roles)
        .find((x) => x.name === name)
        ?.statements.push(...statementsOf(p['PolicyDocument']));
    }
  }

  const add = (arn: string, statements: Statement[]): void => {
    resourcePolicies[arn] = [...(resourcePolicies[arn] ?? []), ...statements];
  };
  // A queue or function of the template with no policy allows no service principal.
  for (const q of t.queues) add(q.arn, []);
  for (const f of t.functions) add(f.arn, []);
  for (const [id, r] of t.byType('AWS::SQS::QueuePolicy')) {
    const p = t.props(id, r);
    for (const url of (p['Queues'] as string[] | undefined) ?? []) {
      const q = t.queues.find((x) => x.url === url);
      if (q) add(q.arn, statementsOf(p['PolicyDocument']));
    }
  }
  for (const [id, r] of t.byType('AWS::Events::EventBus')) {
    const p = t.props(id, r);
    const name = str(p['Name']);
    if (name && p['Policy'] !== undefined) add(t.busArn(name), statementsOf(p['Policy']));
  }
  for (const [id, r] of t.byType('AWS::Events::EventBusPolicy')) {
    const p = t.props(id, r);
    const arn = t.busArn(str(p['EventBusName']) ?? 'default');
    if (p['Statement'] !== undefined) add(arn, statementsOf({ Statement: p['Statement'] }));
    else if (p['Action'] !== undefined) {
      // The legacy form: one account (Principal) may put events, optionally with a Condition.
      const principal = str(p['Principal']) ?? '';
      add(arn, [
        {
          Effect: 'Allow',
          Principal: principal === '*' ? '*' : { AWS: principal },
          Action: str(p['Action'])!,
          Resource: arn,
        },
      ]);
    }
  }
  for (const [id, r] of t.byType('AWS::Lambda::Permission')) {
    const p = t.props(id, r);
    const ref = str(p['FunctionName']) ?? '';
    const fn = t.functions.find((f) => f.arn === ref || f.name === ref || ref.startsWith(`${f.arn}:`));
    if (!fn) continue;
    const principal = str(p['Principal']) ?? '';
    const source = str(p['SourceArn']);
    add(fn.arn, [
      {
        Effect: 'Allow',
        Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
        Action: str(p['Action']) ?? 'lambda:InvokeFunction',
        Resource: fn.arn,
        ...(source ? { Condition: { ArnLike: { 'aws:SourceArn': source } } } : {}),
      },
    ]);
  }
  return { roles, resourcePolicies };
}
