/**
 * IAM policy evaluation (pure): does a set of policy statements allow one request (action, resource,
 * context)? The sandbox uses it to answer AccessDenied where AWS would (./index.ts wires it in).
 *
 * AWS's logic for one account: an explicit Deny in any applicable policy wins; otherwise the request is
 * allowed when an identity-based policy or a resource-based policy (whose Principal names the caller)
 * allows it; otherwise it is implicitly denied. Honoured: Action/NotAction (case-insensitive wildcards
 * `*` and `?`), Resource/NotResource (case-sensitive wildcards), Principal/NotPrincipal (resource
 * policies), and the condition operators below with the `IfExists` suffix and the `ForAllValues:` /
 * `ForAnyValue:` set qualifiers. Condition keys are case-insensitive. An operator the evaluator does
 * not know throws (fail loudly rather than allow by accident).
 */

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny' | string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  NotPrincipal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Who is calling: an assumed role session (a function) or an AWS service principal. */
export interface Caller {
  /** e.g. arn:aws:sts::123456789012:assumed-role/RoleName/fn, or the service name for a service principal. */
  arn: string;
  /** The role behind an assumed-role session (what a resource policy's `AWS` principal names). */
  roleArn?: string;
  account: string;
  /** 'events.amazonaws.com', ... when the caller is an AWS service. */
  service?: string;
}

export interface Request {
  action: string;
  resource: string;
  /** Condition keys (any case) → value(s). A key absent here is absent from the request. */
  context?: Record<string, string | string[] | undefined>;
  caller?: Caller;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

export interface Verdict {
  decision: Decision;
  /** The statement that decided (the Deny that matched, or an Allow). */
  statement?: Statement;
  /** Where the decision came from. */
  source?: 'identity' | 'resource';
}

const list = (v: unknown): string[] =>
  v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => String(x));

const globCache = new Map<string, RegExp>();
/** IAM wildcard match: `*` any run of characters (across `:` and `/`), `?` one character. */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = globCache.get(key);
  if (!re) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    globCache.set(key, re);
  }
  return re.test(value);
}

const actionMatches = (patterns: string[], action: string): boolean =>
  patterns.some((p) => globMatch(p, action, true));
const resourceMatches = (patterns: string[], resource: string): boolean =>
  patterns.some((p) => globMatch(p, resource));

function principalMatches(principal: unknown, caller: Caller | undefined): boolean {
  if (!caller) return false;
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const p = principal as Record<string, unknown>;
  if (caller.service && list(p['Service']).includes(caller.service)) return true;
  for (const a of list(p['AWS'])) {
    if (a === '*' || a === caller.arn || (caller.roleArn !== undefined && a === caller.roleArn)) return true;
    // An account (its id or its root ARN) names every principal of that account.
    if (
      !caller.service &&
      (a === caller.account || /^arn:[^:]+:iam::(\d{12}):root$/.exec(a)?.[1] === caller.account)
    )
      return true;
  }
  return false;
}

// ---- conditions -------------------------------------------------------------------------------------

type Compare = (requestValue: string, policyValue: string) => boolean;

const num = (s: string): number => (s.trim() === '' ? NaN : Number(s));
const date = (s: string): number => (/^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s));

/** Base operators: [compare, negated]. A negated operator is true when no value matches. */
const OPERATORS: Record<string, [Compare, boolean]> = {
  stringequals: [(a, b) => a === b, false],
  stringnotequals: [(a, b) => a === b, true],
  stringequalsignorecase: [(a, b) => a.toLowerCase() === b.toLowerCase(), false],
  stringnotequalsignorecase: [(a, b) => a.toLowerCase() === b.toLowerCase(), true],
  stringlike: [(a, b) => globMatch(b, a), false],
  stringnotlike: [(a, b) => globMatch(b, a), true],
  arnequals: [(a, b) => globMatch(b, a), false],
  arnlike: [(a, b) => globMatch(b, a), false],
  arnnotequals: [(a, b) => globMatch(b, a), true],
  arnnotlike: [(a, b) => globMatch(b, a), true],
  numericequals: [(a, b) => num(a) === num(b), false],
  numericnotequals: [(a, b) => num(a) === num(b), true],
  numericlessthan: [(a, b) => num(a) < num(b), false],
  numericlessthanequals: [(a, b) => num(a) <= num(b), false],
  numericgreaterthan: [(a, b) => num(a) > num(b), false],
  numericgreaterthanequals: [(a, b) => num(a) >= num(b), false],
  dateequals: [(a, b) => date(a) === date(b), false],
  datenotequals: [(a, b) => date(a) === date(b), true],
  datelessthan: [(a, b) => date(a) < date(b), false],
  datelessthanequals: [(a, b) => date(a) <= date(b), false],
  dategreaterthan: [(a, b) => date(a) > date(b), false],
  dategreaterthanequals: [(a, b) => date(a) >= date(b), false],
  bool: [(a, b) => a.toLowerCase() === b.toLowerCase(), false],
  ipaddress: [(a, b) => a === b, false],
};

export class UnsupportedConditionError extends Error {
  override readonly name = 'UnsupportedConditionError';
}

/** One condition operator block ({ key: values, ... }, every key must hold) against the request context. */
function conditionHolds(
  operator: string,
  block: Record<string, unknown>,
  context: Map<string, string[]>,
): boolean {
  let op = operator;
  let qualifier: 'all' | 'any' | undefined;
  const colon = op.indexOf(':');
  if (colon >= 0) {
    const q = op.slice(0, colon).toLowerCase();
    if (q === 'forallvalues') qualifier = 'all';
    else if (q === 'foranyvalue') qualifier = 'any';
    else throw new UnsupportedConditionError(`unsupported condition set qualifier ${op.slice(0, colon)}`);
    op = op.slice(colon + 1);
  }
  let ifExists = false;
  if (/ifexists$/i.test(op)) {
    ifExists = true;
    op = op.slice(0, -'IfExists'.length);
  }
  const base = op.toLowerCase();
  if (base === 'null') {
    return Object.entries(block).every(([key, want]) => {
      const present = (context.get(key.toLowerCase()) ?? []).length > 0;
      return list(want).some((w) => (w.toLowerCase() === 'true') === !present);
    });
  }
  const entry = OPERATORS[base];
  if (!entry) throw new UnsupportedConditionError(`unsupported condition operator ${operator}`);
  const [compare, negated] = entry;
  return Object.entries(block).every(([key, policyValues]) => {
    const wanted = list(policyValues);
    const values = context.get(key.toLowerCase());
    const matchesAny = (v: string): boolean => wanted.some((w) => compare(v, w));
    if (qualifier === 'all') {
      // True for an absent or empty key; else every request value must (not) match a policy value.
      return (values ?? []).every((v) => (negated ? !matchesAny(v) : matchesAny(v)));
    }
    if (qualifier === 'any') {
      if (!values || values.length === 0) return false;
      return values.some((v) => (negated ? !matchesAny(v) : matchesAny(v)));
    }
    if (!values || values.length === 0) return ifExists || negated;
    return negated ? !values.some(matchesAny) : values.some(matchesAny);
  });
}

function contextMap(context: Request['context']): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [k, v] of Object.entries(context ?? {})) if (v !== undefined) m.set(k.toLowerCase(), list(v));
  return m;
}

/** Does this statement apply to the request (action, resource, principal when `resourcePolicy`, conditions)? */
export function statementApplies(s: Statement, req: Request, resourcePolicy = false): boolean {
  return applies(s, req, contextMap(req.context), resourcePolicy);
}

function applies(
  s: Statement,
  req: Request,
  context: Map<string, string[]>,
  resourcePolicy: boolean,
): boolean {
  if (s.Action !== undefined && !actionMatches(list(s.Action), req.action)) return false;
  if (s.NotAction !== undefined && actionMatches(list(s.NotAction), req.action)) return false;
  if (s.Action === undefined && s.NotAction === undefined) return false;
  if (s.Resource !== undefined && !resourceMatches(list(s.Resource), req.resource)) return false;
  if (s.NotResource !== undefined && resourceMatches(list(s.NotResource), req.resource)) return false;
  // A resource policy may omit Resource (an SNS/SQS policy attached to the resource itself).
  if (!resourcePolicy && s.Resource === undefined && s.NotResource === undefined) return false;
  if (resourcePolicy) {
    if (s.Principal !== undefined && !principalMatches(s.Principal, req.caller)) return false;
    if (s.NotPrincipal !== undefined && principalMatches(s.NotPrincipal, req.caller)) return false;
    if (s.Principal === undefined && s.NotPrincipal === undefined) return false;
  }
  for (const [operator, block] of Object.entries(s.Condition ?? {})) {
    if (!conditionHolds(operator, block, context)) return false;
  }
  return true;
}

/**
 * AWS's decision for one request: explicit Deny (identity or resource policy) > Allow (identity policy,
 * or a resource policy naming the caller) > implicit deny.
 */
export function evaluate(identity: Statement[], req: Request, resource: Statement[] = []): Verdict {
  const context = contextMap(req.context);
  for (const [source, statements, isResource] of [
    ['identity', identity, false],
    ['resource', resource, true],
  ] as const) {
    const deny = statements.find((s) => s.Effect === 'Deny' && applies(s, req, context, isResource));
    if (deny) return { decision: 'explicit-deny', statement: deny, source };
  }
  for (const [source, statements, isResource] of [
    ['identity', identity, false],
    ['resource', resource, true],
  ] as const) {
    const allow = statements.find((s) => s.Effect === 'Allow' && applies(s, req, context, isResource));
    if (allow) return { decision: 'allow', statement: allow, source };
  }
  return { decision: 'implicit-deny' };
}

/** AWS's AccessDenied message for a denied request. */
export function deniedMessage(
  callerArn: string,
  req: Request,
  verdict: Verdict,
  hasResourcePolicy = false,
): string {
  const base = `User: ${callerArn} is not authorized to perform: ${req.action} on resource: ${req.resource}`;
  if (verdict.decision === 'explicit-deny')
    return `${base} with an explicit deny in ${verdict.source === 'resource' ? 'a resource-based' : 'an identity-based'} policy`;
  return `${base} because no ${hasResourcePolicy ? 'resource-based' : 'identity-based'} policy allows the ${req.action} action`;
}
