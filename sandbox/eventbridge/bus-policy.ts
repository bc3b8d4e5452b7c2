/**
 * An event bus's resource policy, evaluated for one PutEvents entry the way AWS evaluates it for a
 * caller in the bus's own account: an explicit Deny that matches refuses the call; otherwise the
 * caller's identity policy suffices (the sandbox does not evaluate identity policies here; a general
 * IAM evaluator may replace `identityAllows`), or a matching Allow in the bus policy.
 *
 * Small on purpose: Principal (`*`, `{ AWS: arn | arn[] }`), Action (`events:PutEvents`, `events:*`,
 * `*`), Resource (exact or `*` wildcards) and the condition operators String(Not)Equals,
 * String(Not)Like, Arn(Not)Equals, Arn(Not)Like over the keys the request carries
 * (aws:PrincipalArn, aws:PrincipalAccount, events:source, events:detail-type). An unknown operator
 * or key makes a statement not match an Allow and match a Deny (fail closed).
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | { AWS?: string | string[] };
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

export interface PutEventsRequest {
  principalArn: string;
  principalAccount: string;
  busArn: string;
  /** The bus's own account. */
  busAccount: string;
  source: string;
  detailType: string;
}

export type PolicyDecision =
  { allowed: true } | { allowed: false; reason: 'explicit-deny' | 'no-allow'; sid?: string };

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM's `*` and `?` wildcards, case-sensitive. */
const like = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('')}$`,
    's',
  ).test(value);

const OPERATORS: Record<string, (pattern: string, value: string) => boolean> = {
  StringEquals: (p, v) => p === v,
  StringLike: like,
  ArnEquals: (p, v) => p === v,
  ArnLike: like,
};
const NEGATED: Record<string, string> = {
  StringNotEquals: 'StringEquals',
  StringNotLike: 'StringLike',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
};

function contextValue(req: PutEventsRequest, key: string): string | undefined {
  switch (key.toLowerCase()) {
    case 'aws:principalarn':
      return req.principalArn;
    case 'aws:principalaccount':
      return req.principalAccount;
    case 'events:source':
      return req.source;
    case 'events:detail-type':
      return req.detailType;
    default:
      return undefined;
  }
}

/** true / false, or undefined when the condition uses something this evaluator does not know. */
function conditionHolds(st: PolicyStatement, req: PutEventsRequest): boolean | undefined {
  for (const [op, keys] of Object.entries(st.Condition ?? {})) {
    const negated = NEGATED[op];
    const test = OPERATORS[negated ?? op];
    if (!test) return undefined;
    for (const [key, values] of Object.entries(keys)) {
      const value = contextValue(req, key);
      if (value === undefined) return undefined;
      const any = list(values).some((p) => test(p, value));
      if (negated ? any : !any) return false;
    }
  }
  return true;
}

function principalMatches(st: PolicyStatement, req: PutEventsRequest): boolean {
  if (st.Principal === '*') return true;
  return list(st.Principal?.AWS).some(
    (p) =>
      p === '*' ||
      p === req.principalArn ||
      p === req.principalAccount ||
      p === `arn:aws:iam::${req.principalAccount}:root`,
  );
}

const actionMatches = (st: PolicyStatement): boolean =>
  list(st.Action).some((a) => like(a.toLowerCase(), 'events:putevents'));
const resourceMatches = (st: PolicyStatement, arn: string): boolean =>
  list(st.Resource).some((r) => like(r, arn));

export function evaluateBusPolicy(
  policy: PolicyDocument | undefined,
  req: PutEventsRequest,
  identityAllows = req.principalAccount === req.busAccount,
): PolicyDecision {
  const statements = list(policy?.Statement);
  const applies = (st: PolicyStatement): boolean =>
    principalMatches(st, req) && actionMatches(st) && resourceMatches(st, req.busArn);
  for (const st of statements) {
    // A Deny whose condition this evaluator cannot read is taken to match (fail closed).
    if (st.Effect === 'Deny' && applies(st) && conditionHolds(st, req) !== false)
      return { allowed: false, reason: 'explicit-deny', ...(st.Sid ? { sid: st.Sid } : {}) };
  }
  if (identityAllows) return { allowed: true };
  if (statements.some((st) => st.Effect === 'Allow' && applies(st) && conditionHolds(st, req) === true))
    return { allowed: true };
  return { allowed: false, reason: 'no-allow' };
}
