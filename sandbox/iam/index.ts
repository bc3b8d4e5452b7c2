/**
 * The sandbox's IAM: every call a deployed function makes is authorized against that function's role
 * policy from the packaged template (plus the target's resource policy, where the template has one),
 * and a denied call gets AWS's AccessDenied answer. So does what Lambda and EventBridge do on a
 * function's behalf: the on-failure/on-success destination (SendMessage with the function's role), the
 * SQS event-source mapping (ReceiveMessage/DeleteMessage/GetQueueAttributes with the function's role),
 * and EventBridge's deliveries (the SQS queue policy or the Lambda permission must allow
 * events.amazonaws.com for that rule).
 *
 * Who calls: each deployed function's containers get their own access key id (deploy.ts), which maps to
 * the function's role; any other key (tests, the CLI, the rehearsal runner) is the account's operator
 * and is allowed everything. Functions and queues a test registers by hand (no role, no template
 * resource) are not governed.
 */
import { AwsError } from '../errors.ts';
import type { SimClock } from '../clock.ts';
import type { CallContext } from '../types.ts';
import { iamRequests, type IamRequest, type TableEnv } from './actions.ts';
import { deniedMessage, evaluate, type Caller, type Statement, type Verdict } from './evaluate.ts';

export interface IamRole {
  logicalId: string;
  name: string;
  arn: string;
  statements: Statement[];
}

export interface IamPrincipal {
  functionName: string;
  accessKeyId: string;
  role: IamRole;
}

export interface IamDenial {
  at: Date;
  /** 'remediate' (function short name) or the service principal ('events.amazonaws.com'). */
  principal: string;
  role: string;
  action: string;
  resource: string;
  /** 'api' for a call over HTTP; 'destination', 'event-source-mapping', 'rule-target' for deliveries. */
  via: string;
  message: string;
}

export interface SandboxIam {
  /** Enforce (default true). Off: every call is allowed and nothing is recorded. */
  enforce: boolean;
  setRoles(roles: IamRole[]): void;
  addPrincipal(p: IamPrincipal): void;
  /** A resource-based policy (queue policy, event bus policy, Lambda permission) on one ARN. */
  addResourcePolicy(arn: string, statements: Statement[]): void;
  role(ref: string): IamRole | undefined;
  /** The principal behind an access key id (undefined: the operator). */
  principal(accessKeyId: string | undefined): IamPrincipal | undefined;
  /** The server's check of one HTTP call: undefined when allowed, else the AwsError to answer. */
  authorizeCall(call: CallContext, input: Record<string, unknown>): AwsError | undefined;
  /** A delivery Lambda makes with a function's execution role; false (and recorded) when denied. */
  asFunction(functionName: string, req: IamRequest, via: string): boolean;
  /** A delivery an AWS service makes to a resource, allowed only by that resource's policy. */
  asService(service: string, sourceArn: string, req: IamRequest, via: string): boolean;
  denials(): IamDenial[];
  /** IAM requests evaluated so far (calls and deliveries of governed principals). */
  evaluated(): number;
  /** Denials counted by "<role> <action>". */
  deniedCounts(): Record<string, number>;
}

/** Error code and HTTP status of an authorization failure, per service (AWS's shapes). */
const DENIED_SHAPE: Record<string, [string, number]> = {
  sns: ['AuthorizationError', 403],
  sqs: ['AccessDenied', 403],
};

export interface SandboxIamOptions {
  account: string;
  region: string;
  partition?: string;
  clock: SimClock;
  env: Omit<TableEnv, 'account' | 'region' | 'partition'>;
}

export function createSandboxIam(opts: SandboxIamOptions): SandboxIam {
  const partition = opts.partition ?? 'aws';
  const env: TableEnv = { ...opts.env, account: opts.account, region: opts.region, partition };
  const roles = new Map<string, IamRole>();
  const byKey = new Map<string, IamPrincipal>();
  const byFunction = new Map<string, IamPrincipal>();
  const resourcePolicies = new Map<string, Statement[]>();
  const log: IamDenial[] = [];
  let evaluated = 0;

  const callerOf = (p: IamPrincipal): Caller => ({
    arn: `arn:${partition}:sts::${opts.account}:assumed-role/${p.role.name}/${p.functionName}`,
    roleArn: p.role.arn,
    account: opts.account,
  });

  const check = (identity: Statement[], caller: Caller, req: IamRequest): Verdict => {
    evaluated += 1;
    const resource = resourcePolicies.get(req.resource) ?? [];
    // Global keys AWS sets for every request: for an assumed role, aws:PrincipalArn is the role's ARN.
    const context = {
      ...(caller.roleArn ? { 'aws:PrincipalArn': caller.roleArn } : {}),
      'aws:PrincipalAccount': caller.account,
      ...req.context,
    };
    return evaluate(identity, { ...req, caller, context }, resource);
  };

  const record = (principal: string, role: string, req: IamRequest, via: string, message: string): void => {
    log.push({
      at: opts.clock.now(),
      principal,
      role,
      action: req.action,
      resource: req.resource,
      via,
      message,
    });
  };

  const shortName = (p: IamPrincipal): string => p.functionName.replace(/^.*-/, '');

  const iam: SandboxIam = {
    enforce: true,
    setRoles(list) {
      for (const r of list) {
        roles.set(r.arn, r);
        roles.set(r.logicalId, r);
        roles.set(r.name, r);
      }
    },
    addPrincipal(p) {
      byKey.set(p.accessKeyId, p);
      byFunction.set(p.functionName, p);
    },
    addResourcePolicy(arn, statements) {
      resourcePolicies.set(arn, [...(resourcePolicies.get(arn) ?? []), ...statements]);
    },
    role: (ref) => roles.get(ref),
    principal: (key) => (key === undefined ? undefined : byKey.get(key)),
    authorizeCall(call, input) {
      if (!iam.enforce) return undefined;
      const p = iam.principal(call.accessKeyId);
      if (!p) return undefined;
      const caller = callerOf(p);
      for (const req of iamRequests(call.service, call.operation, input, env)) {
        const verdict = check(p.role.statements, caller, req);
        if (verdict.decision === 'allow') continue;
        const message = deniedMessage(caller.arn, req, verdict);
        record(shortName(p), p.role.name, req, 'api', message);
        const [code, status] = DENIED_SHAPE[call.service] ?? ['AccessDeniedException', 400];
        return new AwsError(code, message, status);
      }
      return undefined;
    },
    asFunction(functionName, req, via) {
      const p = byFunction.get(functionName);
      if (!iam.enforce || !p) return true;
      const caller = callerOf(p);
      const verdict = check(p.role.statements, caller, req);
      if (verdict.decision === 'allow') return true;
      record(shortName(p), p.role.name, req, via, deniedMessage(caller.arn, req, verdict));
      return false;
    },
    asService(service, sourceArn, req, via) {
      const policy = resourcePolicies.get(req.resource);
      if (!iam.enforce || !policy) return true;
      evaluated += 1;
      const caller: Caller = { arn: service, service, account: opts.account };
      const verdict = evaluate(
        [],
        {
          ...req,
          caller,
          context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': opts.account, ...req.context },
        },
        policy,
      );
      if (verdict.decision === 'allow') return true;
      record(service, service, req, via, deniedMessage(service, req, verdict, true));
      return false;
    },
    denials: () => [...log],
    evaluated: () => evaluated,
    deniedCounts() {
      const out: Record<string, number> = {};
      for (const d of log) out[`${d.role} ${d.action}`] = (out[`${d.role} ${d.action}`] ?? 0) + 1;
      return out;
    },
  };
  return iam;
}

export type { IamRequest } from './actions.ts';
export type { Statement } from './evaluate.ts';
