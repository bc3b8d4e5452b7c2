/**
 * Rehearsal scenarios: YAML files that describe a day in the sandbox account (fleet, change freezes,
 * Config findings, a failed patch window, agents dropping off, throttling, faults, modes, the kill
 * switch). `docs/scenario-example.yaml` comments every field; `default.yaml` is what `npm start` runs.
 *
 * Times are simulated time after the scenario's start, written `90s`, `45m`, `2h`, `1h30m` (or a
 * number of seconds). Every object is strict: a misspelt key is an error that names it and the nearest
 * valid one, reported before anything else (`scenario.yaml: findings[0]: unknown key \`rlue\` (did
 * you mean \`rule\`?)`); other problems name their field (`findings[0].count: Too small: …`). Remediation
 * ids in `modes` and Config rules in `findings` must be ones src/runbooks/ has.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import * as z from 'zod';
import { hmsMs } from '../../src/model/duration.ts';
import { settingProblems } from '../../src/settings.ts';
import { didYouMean } from './nearest.ts';
import { projectRemediations } from './runbooks.ts';

/** `1h30m` → 5_400_000 ms; a bare number is seconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return Math.round(value * 1000);
  const ms = hmsMs(value);
  if (ms === undefined) throw new Error(`"${value}" is not a duration like 90s, 45m, 2h or 1h30m`);
  return ms;
}

/** A simulated-time offset from the scenario start, in ms. */
const duration = z
  .union([
    z.number().nonnegative(),
    z
      .string()
      .refine(
        (s) => s === s.trim() && hmsMs(s) !== undefined,
        'expected a duration like 90s, 45m, 2h or 1h30m',
      ),
  ])
  .transform((v) => parseDuration(v));

const share = z.number().min(0).max(1);
const count = z.number().int().nonnegative();

/** One moment, or a spread of moments from `from` to `to` (happenings are spaced evenly, seeded jitter). */
const when = z
  .union([duration, z.strictObject({ from: duration, to: duration })])
  .transform((w) => (typeof w === 'number' ? { from: w, to: w } : w));

const window = z
  .strictObject({ from: duration, to: duration })
  .refine((w) => w.to >= w.from, { message: '`to` must not be before `from`', path: ['to'] });

const PLATFORMS = ['Linux', 'Windows', 'MacOS'] as const;

const fleet = z.strictObject({
  /** Managed instances (EC2, ids i-0… derived from the seed). */
  count: count.default(0),
  /** Relative weights of platforms, e.g. { Linux: 8, Windows: 2 }. */
  platforms: z.partialRecord(z.enum(PLATFORMS), z.number().nonnegative()).default({ Linux: 1 }),
  /** Tags on every instance. */
  tags: z.record(z.string(), z.string()).default({}),
  /** Share of the fleet whose patching fails in a patch window that does not say `failed`. */
  patchFailureShare: share.default(0),
  /** Extra tags on a share of the fleet, e.g. an opt-out tag on 2%. */
  taggedShares: z.array(z.strictObject({ share, tags: z.record(z.string(), z.string()) })).default([]),
});

const calendar = z.strictObject({
  /** Change Calendar document name, e.g. prod-change-freeze. */
  name: z.string().regex(/^[a-zA-Z0-9_\-.]{3,128}$/, 'expected an SSM document name'),
  type: z.enum(['DEFAULT_OPEN', 'DEFAULT_CLOSED']).default('DEFAULT_OPEN'),
  /** One of the stage's default calendars (DEFAULT_CALENDARS), which every remediation checks. */
  default: z.boolean().default(false),
  /** Events on the calendar: CLOSED windows for DEFAULT_OPEN, OPEN windows for DEFAULT_CLOSED. */
  events: z
    .array(
      z
        .strictObject({ from: duration, to: duration, summary: z.string().optional() })
        .refine((w) => w.to > w.from, { message: '`to` must be after `from`', path: ['to'] }),
    )
    .default([]),
});

const RESOURCE_TYPES = ['AWS::EC2::SecurityGroup', 'AWS::S3::Bucket', 'AWS::EC2::Instance'] as const;

const findings = z.strictObject({
  /** Config rule name (the sandbox creates the rule). */
  rule: z.string().min(1),
  resourceType: z.enum(RESOURCE_TYPES),
  /** Distinct non-compliant resources. */
  count: z.number().int().min(1),
  /** How many of them Config announces twice (a second event, new id, same evaluation). */
  duplicates: count.default(0),
  /** When Config evaluates them NON_COMPLIANT (ignored with `preexisting`). */
  at: when.optional(),
  /**
   * Non-compliant before the deployment: Config records them NON_COMPLIANT a day before the start and
   * emits no event during the day, so only backfill (params.backfillPerRun, src/core/backfill.ts) finds them.
   */
  preexisting: z.boolean().default(false),
  /** Some resources are fixed by someone else before deferred work is released: Config re-evaluates them COMPLIANT. */
  compliantLater: z.strictObject({ count: z.number().int().min(1), at: duration }).optional(),
  /** Fixed resources drift back: Config finds each NON_COMPLIANT again `every` after it was found, `times` times. */
  drift: z
    .strictObject({
      every: duration.refine((d) => d > 0, 'must be longer than 0'),
      times: z.number().int().min(1).max(50),
    })
    .optional(),
});

/** A group of findings needs a moment, unless it was there before the deployment. */
const findingsAt = findings.refine((f) => f.preexisting || f.at !== undefined, {
  message: 'give `at` (when Config finds them), or `preexisting: true`',
  path: ['at'],
});

const patchWindow = z.strictObject({
  /** When the maintenance window's AWS-RunPatchBaseline run ends. */
  at: duration,
  /** Instances the window patches (from the start of the fleet; default: the whole fleet). */
  instances: z.number().int().min(1).optional(),
  /** Of those, how many fail (default: fleet.patchFailureShare of them). */
  failed: count.optional(),
  /** What AWS emits: the Run Command invocation status change (Failed), the patch compliance change (non_compliant), or both. */
  emit: z
    .array(z.enum(['invocation', 'compliance']))
    .min(1)
    .default(['invocation', 'compliance']),
  /** Re-running the patch baseline on them succeeds (default), or fails again. */
  retry: z.enum(['succeeds', 'fails']).default('succeeds'),
});

const agents = z.strictObject({
  /** When the agents stop answering (PingStatus ConnectionLost). */
  at: duration,
  /** How many instances drop off (taken from the end of the fleet). */
  disconnect: z.number().int().min(1),
  /** How many of them come back, and when. */
  reconnect: count.default(0),
  reconnectAt: duration.optional(),
});

/** State Manager associations that fail on some instances (association.failed). */
const association = z.strictObject({
  /** When the association's scheduled run fails. */
  at: duration,
  /** On how many instances (from the start of the fleet, after those of earlier entries); each gets its own association. */
  instances: z.number().int().min(1).default(1),
  /** The SSM document the association runs. */
  document: z.string().min(1).default('AWS-GatherSoftwareInventory'),
  /** Runs that fail on each instance: 1 (the re-apply fixes it) or more (it fails again: escalated). */
  failedRuns: z.number().int().min(1).default(1),
});

const rateLimit = z.strictObject({
  /** Sustained requests per second (wall clock, as the sandbox's token buckets count). */
  rps: z.number().positive(),
  burst: z.number().int().positive().optional(),
});

const fault = z.strictObject({
  /** 'ssm:GetCalendarState', 'ssm:*', 'sns:Publish', 'dynamodb:*', 'slack', … */
  target: z.string().min(1),
  errorRate: share.optional(),
  code: z.string().optional(),
  status: z.number().int().min(400).max(599).optional(),
  mode: z.enum(['error', 'reset', 'hang']).optional(),
  latencyMs: z.number().int().nonnegative().optional(),
  times: z.number().int().min(1).optional(),
  itemFailureRate: share.optional(),
  /** Fail after the call took effect (the response is lost: the caller sees the error, the change stays). */
  after: z.boolean().optional(),
  /** Only calls whose request body (JSON) contains this text, e.g. '"pk":{"S":"EXEC#'. */
  bodyContains: z.string().min(1).optional(),
  /** Active only in this window of simulated time (default: the whole run). */
  from: duration.optional(),
  to: duration.optional(),
});

const modeChange = z.strictObject({
  remediation: z.string().min(1),
  mode: z.enum(['auto', 'shadow', 'off', 'approve']),
  /** When the parameter is put (default: before the first event). */
  at: duration.default(0),
});

const killSwitch = z.strictObject({ at: duration, state: z.enum(['on', 'off']) });

/**
 * h2-ops: a malformed event on the bus: a Config non-compliance event for `rule` that leaves out
 * `missing`. The service rejects it into the rejected-events queue (whose alarm then fires).
 */
const malformed = z.strictObject({
  at: duration,
  rule: z.string().min(1).default('restricted-ssh'),
  missing: z.enum(['resourceId', 'resourceType', 'awsAccountId']).default('resourceId'),
});

const automationOutcome = z.strictObject({
  document: z.string().optional(),
  outcome: z.enum(['Success', 'Failed', 'TimedOut']),
  /** Apply to this many executions, then stop (default: all). */
  times: z.number().int().min(1).optional(),
  failureMessage: z.string().optional(),
});

/**
 * The sandbox plays Slack's side of mode `approve` (sandbox/slack-interactions.ts): of the approval
 * requests that reach its Slack, `approve` and `reject` are the fractions clicked (the rest time out),
 * `after` the delay from the request to the click; `forged` and `replayed` callbacks must be refused.
 */
const approvals = z
  .strictObject({
    approve: share.default(0),
    reject: share.default(0),
    after: duration.default(600),
    /** Forged callbacks in all: bad signature, unsigned, stale timestamp, a user not on the allow-list (in turn). */
    forged: count.default(0),
    /** Replays of genuine signed callbacks (alternately 1 min later and 10 min later). */
    replayed: count.default(0),
    /**
     * Slack user groups the sandbox's Slack knows (id → member user ids), for approvers that name a
     * group (params `approvers: U0SANDBOX1,S0SANDBOXOPS`): the groups' members click too.
     */
    groups: z.record(z.string().regex(/^S[A-Z0-9]{2,20}$/), z.array(z.string())).optional(),
  })
  .refine((a) => a.approve + a.reject <= 1, {
    message: '`approve` + `reject` must not be more than 1 (the rest time out)',
    path: ['reject'],
  });

export const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  /** Seeds resource ids, jitter, and the fault RNG: the same seed gives the same run. */
  seed: z.number().int().default(1),
  clock: z
    .strictObject({
      /**
       * Simulated start time (ISO 8601); default: a fixed moment (sandbox/scenario/run.ts DEFAULT_START),
       * so a report repeats. The functions see the simulated date too, so any start works.
       */
      start: z.iso.datetime().optional(),
      /** Accepted for older scenarios; paces nothing (time is virtual: it moves when the account is quiet). */
      speed: z.number().positive().max(100_000).default(600),
      /** How long the day lasts, in simulated time; the runner then waits for the bus to go idle. */
      duration: duration,
      /** Give up waiting for idle after this much extra simulated time. */
      drain: duration.default(3600),
    })
    .refine((c) => c.duration > 0, { message: 'must be longer than 0', path: ['duration'] }),
  fleet: fleet.default({
    count: 0,
    platforms: { Linux: 1 },
    tags: {},
    patchFailureShare: 0,
    taggedShares: [],
  }),
  /** Stage parameters the service is packaged with (serverless.yml `params`), e.g. budgetPerHour. */
  params: z
    .record(z.string(), z.string())
    .default({})
    .superRefine((params, ctx) => {
      // The same table serverless.yml and the functions take them from (src/settings.ts).
      for (const problem of settingProblems(params, 'sandbox'))
        ctx.addIssue({ code: 'custom', message: problem });
    }),
  calendars: z.array(calendar).default([]),
  findings: z.array(findingsAt).default([]),
  patchWindows: z.array(patchWindow).default([]),
  agents: z.array(agents).default([]),
  associations: z.array(association).default([]),
  /** Rate limits, keyed 'service:Operation' (or 'service:Op1|Op2', 'service:*'). */
  throttling: z
    .record(z.string().regex(/^[a-z0-9-]+:.+$/, 'expected "service:Operation"'), rateLimit)
    .default({}),
  faults: z.array(fault).default([]),
  /** The event bus loses or repeats events (AWS delivers at least once, best effort). */
  bus: z
    .strictObject({
      drop: share.default(0),
      duplicate: share.default(0),
      /** Deliver each affected event exactly this many times (3: the event and two redeliveries). */
      deliveries: z.number().int().min(1).max(10).optional(),
      /** Only events from this source are affected, e.g. aws.ssm. */
      source: z.string().min(1).optional(),
      /** Only events of this detail-type, e.g. EC2 Automation Execution Status-change Notification. */
      detailType: z.string().min(1).optional(),
    })
    .default({ drop: 0, duplicate: 0 }),
  /** Slack answers 503 in these windows. */
  slackDown: z.array(window).default([]),
  modes: z.array(modeChange).default([]),
  killSwitch: z.array(killSwitch).default([]),
  malformed: z.array(malformed).default([]),
  approvals: approvals.optional(),
  automation: z
    .strictObject({
      outcomes: z.array(automationOutcome).default([]),
      /** Simulated run time of an automation (default 2m). */
      runTime: duration.optional(),
      /** A runbook that succeeds fixes its resource: Config then evaluates it COMPLIANT (default true). */
      fixes: z.boolean().default(true),
    })
    .default({ outcomes: [], fixes: true }),
  report: z
    .strictObject({
      /** How many Slack messages the summary prints. */
      slackSamples: count.default(5),
    })
    .default({ slackSamples: 5 }),
});

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

export class ScenarioError extends Error {
  override name = 'ScenarioError';
  constructor(
    readonly file: string,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${file}: ${field}: ${detail}`);
  }
}

/** What a scenario may name: remediation ids, the Config rules they answer and (if known) on which resource types. */
export interface KnownNames {
  remediations: string[];
  rules: string[];
  resourceTypes?: Record<string, string[]>;
}

/** The names in the project's src/runbooks/ (the same files as the `virtual:runbooks` registry). */
export function projectNames(projectRoot = findProjectRoot()): KnownNames {
  const known = projectRemediations(projectRoot);
  const resourceTypes: Record<string, string[]> = {};
  for (const r of known)
    for (const [rule, types] of Object.entries(r.resourceTypes))
      resourceTypes[rule] = [...new Set([...(resourceTypes[rule] ?? []), ...types])];
  return { remediations: known.map((r) => r.id), rules: Object.keys(resourceTypes), resourceTypes };
}

type Issue = z.core.$ZodIssue;
type Path = ReadonlyArray<PropertyKey>;

/** `findings[0].at`, `clock`, `throttling.ssm:X`; '(top level)' for the root. */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** Every issue with its full path, union branches included (a misspelt key inside `at: {from, too}`). */
function flatten(issues: readonly Issue[], prefix: Path = []): Issue[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    const here = { ...issue, path } as Issue;
    return issue.code === 'invalid_union' ? [here, ...issue.errors.flatMap((e) => flatten(e, path))] : [here];
  });
}

interface SchemaNode {
  _zod: { def: { type: string; [k: string]: unknown } };
}

/** The schema under wrappers (default, optional, transform pipes). */
function unwrap(node: SchemaNode): SchemaNode {
  for (;;) {
    const def = node._zod.def;
    if (def.type === 'pipe') node = def['in'] as SchemaNode;
    else if (['default', 'optional', 'nullable', 'prefault', 'readonly', 'catch'].includes(def.type))
      node = def['innerType'] as SchemaNode;
    else return node;
  }
}

/** The keys the schema allows for the object at `path` (a union's object branch, inside arrays and records). */
function keysAt(root: SchemaNode, path: Path): string[] {
  let node: SchemaNode | undefined = unwrap(root);
  const objectOf = (n: SchemaNode): SchemaNode | undefined => {
    const def = n._zod.def;
    if (def.type === 'object') return n;
    if (def.type === 'union')
      return (def['options'] as SchemaNode[]).map(unwrap).find((o) => o._zod.def.type === 'object');
    return undefined;
  };
  for (const seg of path) {
    if (!node) return [];
    const def: SchemaNode['_zod']['def'] = node._zod.def;
    if (def.type === 'array') node = unwrap(def['element'] as SchemaNode);
    else if (def.type === 'record') node = unwrap(def['valueType'] as SchemaNode);
    else {
      const shape = objectOf(node)?._zod.def['shape'] as Record<string, SchemaNode> | undefined;
      const next = shape?.[String(seg)];
      node = next ? unwrap(next) : undefined;
    }
  }
  const obj = node && objectOf(node);
  return obj ? Object.keys(obj._zod.def['shape'] as Record<string, SchemaNode>) : [];
}

/** Unknown keys first (a misspelt key also makes the real one "missing"), then the first other problem. */
function firstProblem(issues: readonly Issue[], file: string): ScenarioError {
  const all = flatten(issues);
  const unknown = all.find((i) => i.code === 'unrecognized_keys');
  if (unknown && unknown.code === 'unrecognized_keys') {
    const key = unknown.keys[0]!;
    const hint = didYouMean(key, keysAt(scenarioSchema as unknown as SchemaNode, unknown.path));
    return new ScenarioError(file, formatPath(unknown.path), `unknown key \`${key}\`${hint}`);
  }
  const issue = issues[0]!;
  const missing = issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
  if (missing && issue.path.length > 0) {
    const key = String(issue.path[issue.path.length - 1]);
    return new ScenarioError(file, formatPath(issue.path.slice(0, -1)), `\`${key}\` is missing`);
  }
  return new ScenarioError(file, formatPath(issue.path), explain(issue));
}

/** A union's or record key's own message is only "Invalid input": say what the branch or key wanted. */
function explain(issue: Issue): string {
  if (issue.code === 'invalid_key') return issue.issues[0]?.message ?? issue.message;
  if (issue.code !== 'invalid_union') return issue.message;
  const specific = flatten(issue.errors.flat()).find(
    (i) => i.code !== 'invalid_type' && i.code !== 'invalid_union',
  );
  return specific?.message ?? issue.message;
}

/** ` (did you mean \`x\`?)`, or the whole list when nothing is close. */
const hint = (name: string, valid: string[]): string =>
  didYouMean(name, valid) || ` (known: ${valid.join(', ')})`;

/** Remediation ids (`modes`) and Config rules (`findings`) the project does not have, with the nearest one. */
function checkNames(s: Scenario, known: KnownNames, file: string): void {
  s.modes.forEach((m, i) => {
    if (!known.remediations.includes(m.remediation))
      throw new ScenarioError(
        file,
        `modes[${i}].remediation`,
        `unknown remediation \`${m.remediation}\`${hint(m.remediation, known.remediations)}`,
      );
  });
  s.findings.forEach((f, i) => {
    if (!known.rules.includes(f.rule))
      throw new ScenarioError(
        file,
        `findings[${i}].rule`,
        `unknown rule \`${f.rule}\`: no remediation answers it${hint(f.rule, known.rules)}`,
      );
    const types = known.resourceTypes?.[f.rule];
    if (types && !types.includes(f.resourceType))
      throw new ScenarioError(
        file,
        `findings[${i}].resourceType`,
        `the remediation for \`${f.rule}\` acts on ${types.join(', ')}, not ${f.resourceType}`,
      );
  });
}

/**
 * Validates a parsed scenario; the first problem becomes a ScenarioError naming the field. `known`
 * (default: this project's src/runbooks/) is what `modes` and `findings` may name.
 */
export function validateScenario(value: unknown, file = 'scenario', known?: KnownNames): Scenario {
  const result = scenarioSchema.safeParse(value);
  if (!result.success) throw firstProblem(result.error.issues, file);
  checkNames(result.data, known ?? projectNames(), file);
  return result.data;
}

/** Parses YAML text into a validated scenario. */
export function parseScenario(text: string, file = 'scenario', known?: KnownNames): Scenario {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? `line ${e.linePos[0].line}` : '(yaml)';
    throw new ScenarioError(file, where, e.message.split('\n')[0] ?? e.message);
  }
  return validateScenario(doc.toJS(), file, known);
}

export function loadScenario(path: string): Scenario {
  return parseScenario(readFileSync(path, 'utf8'), path);
}

/** The project root (the folder with ssm-remediator's package.json), found upwards from `from`. */
export function findProjectRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"ssm-remediator"/.test(readFileSync(pkg, 'utf8'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no ssm-remediator package.json above ${from}`);
    dir = up;
  }
}

/** The built-in scenario `npm start` runs (found from the project root, so it works from the CLI bundle too). */
export function defaultScenarioPath(projectRoot = findProjectRoot()): string {
  return join(projectRoot, 'sandbox/scenario/default.yaml');
}
