/**
 * Every setting of the service, in one place: its stage parameter (serverless.yml `params`), its type
 * and validation, its default, the stages that may override it, the Lambda environment variable it
 * becomes (and on which functions), and one line of documentation.
 *
 * Generated from this table (`npx tsx scripts/settings.ts --write`, checked by
 * test/config/settings.test.ts): serverless.yml `params.default`, `custom.settings`, the functions'
 * environment, and the table in docs/operating.md "Settings". Read from it: src/config.ts (the Lambda
 * side), the plugin's package-time validation (scripts/derive.ts), the sandbox scenarios' `params`.
 *
 * Adding a setting: one entry below, then `npx tsx scripts/settings.ts --write`.
 */
import * as z from 'zod';
import { DEFAULT_CONCURRENT_SHARE, DEFAULT_QUEUED_SHARE } from './core/admission.ts';
import { DEFAULT_LIMITS } from './core/gates.ts';
import { ID_PATTERNS } from './core/ids.ts';

/** The service's functions (serverless.yml `functions`). */
export const FUNCTION_NAMES = [
  'remediate',
  'complete',
  'reconcile',
  'patchFanout',
  'notifySlack',
  'agentSweep',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export interface Setting<S extends z.ZodType = z.ZodType> {
  /** The stage parameter: serverless.yml `params.<stage>.<param>`, `--param <param>=…`. */
  param: string;
  /** Default for every stage (a number is written as a YAML number: CloudFormation wants one there). */
  default: string | number;
  /** Parses the value (always a string in the Lambda environment); carries the runtime default. */
  schema: S;
  /** The Lambda environment variable it becomes; none = read at package time only. */
  env?: string;
  /** The functions that get the variable (default: all, through `provider.environment`). */
  functions?: readonly FunctionName[];
  /** The stages that may override the default ('any' = every stage). */
  stages: 'any' | readonly string[];
  /** Section of the docs table and serverless.yml. */
  group: string;
  doc: string;
}

const csv = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );
const jsonOf = <T extends z.ZodType>(inner: T, message: string) =>
  z
    .string()
    .default('{}')
    .transform((s, ctx): z.infer<T> => {
      try {
        return inner.parse(JSON.parse(s)) as z.infer<T>;
      } catch {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
    });
const positive = (d: number) => z.coerce.number().int().positive().default(d);
const atLeastZero = (d: number) => z.coerce.number().int().min(0).default(d);
/** A share in (0, 1], e.g. 0.5. */
const share = (d: number) => z.coerce.number().gt(0).max(1).default(d);
const bool = z.enum(['true', 'false']).default('false');
const rate = z
  .string()
  .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/, 'rate(…) or cron(…)');

type Opt = Partial<Pick<Setting, 'env' | 'functions' | 'stages'>>;
function s<S extends z.ZodType, const O extends Opt = Record<never, never>>(
  group: string,
  param: string,
  dflt: string | number,
  schema: S,
  doc: string,
  opt?: O,
): Setting<S> & O {
  return { group, param, default: dflt, schema, doc, stages: 'any', ...opt } as Setting<S> & O;
}

const G = {
  service: 'Service',
  guards: 'Guards (docs/guards.md)',
  admission: 'Admission (docs/guards.md "Admission")',
  caches: 'Caches (per Lambda container)',
  agent: 'Agent-health sweep (docs/agent-health.md)',
  reconcile: 'Reconcile sweep and backfill',
  capacity: 'Concurrency and notifications',
  trust: 'Trust boundaries (docs/security.md)',
  ops: 'Operations (docs/operating.md "Alarms and what to do")',
};

/** The table. Order is the order of serverless.yml and the docs. */
export const SETTINGS = {
  logLevel: s(
    G.service,
    'logLevel',
    'INFO',
    z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    'Log level of every function (Powertools and Lambda).',
    { env: 'LOG_LEVEL' },
  ),
  slackWebhookParam: s(
    G.service,
    'slackWebhookParam',
    '/ssm-remediator/${sls:stage}/slack-webhook-url',
    z
      .union([z.literal(''), z.string().regex(/^\/[\w./${}:-]+$/, 'must be a parameter name like /a/b')])
      .default(''),
    "Name of the SecureString that holds the Slack incoming-webhook URL ('' = no Slack).",
    { env: 'SLACK_WEBHOOK_PARAM', functions: ['notifySlack'] },
  ),
  defaultCalendars: s(
    G.service,
    'defaultCalendars',
    '',
    csv.pipe(z.array(z.string().regex(ID_PATTERNS.calendarName, 'must be a calendar name or ARN'))),
    'Change calendars every remediation must find OPEN unless it names its own (comma-separated names or ARNs).',
    { env: 'DEFAULT_CALENDARS' },
  ),
  automationAssumeRole: s(
    G.service,
    'automationAssumeRole',
    '',
    z.union([z.literal(''), z.string().regex(ID_PATTERNS.iamRoleArn, 'must be an IAM role ARN')]).default(''),
    "Role SSM Automation assumes for every runbook ('' = the service ships one role per remediation).",
    { env: 'AUTOMATION_ASSUME_ROLE_ARN' },
  ),
  remediationSettings: s(
    G.service,
    'remediationSettings',
    '{}',
    jsonOf(
      z.record(z.string(), z.record(z.string(), z.string())),
      'must be a JSON object of objects of strings',
    ),
    'Per-remediation settings, JSON: { "<id>": { "<setting>": "<value>" } }.',
    { env: 'REMEDIATION_SETTINGS' },
  ),
  optOutTag: s(
    G.guards,
    'optOutTag',
    DEFAULT_LIMITS.optOutTag,
    z.string().min(1).default(DEFAULT_LIMITS.optOutTag),
    'Tag key that opts a resource out.',
    { env: 'OPT_OUT_TAG' },
  ),
  cooldownMaxRuns: s(
    G.guards,
    'cooldownMaxRuns',
    DEFAULT_LIMITS.cooldownMaxRuns,
    positive(DEFAULT_LIMITS.cooldownMaxRuns),
    'Loop guard: runs per remediation and resource per window.',
    { env: 'COOLDOWN_MAX_RUNS' },
  ),
  cooldownWindowHours: s(
    G.guards,
    'cooldownWindowHours',
    DEFAULT_LIMITS.cooldownWindowHours,
    positive(DEFAULT_LIMITS.cooldownWindowHours),
    'Loop guard window, hours.',
    { env: 'COOLDOWN_WINDOW_HOURS' },
  ),
  budgetPerHour: s(
    G.guards,
    'budgetPerHour',
    DEFAULT_LIMITS.budgetPerHour,
    positive(DEFAULT_LIMITS.budgetPerHour),
    'Executions started per rolling hour, account-wide.',
    { env: 'BUDGET_PER_HOUR' },
  ),
  breakerFailures: s(
    G.guards,
    'breakerFailures',
    3,
    positive(3),
    'Circuit breaker: opens at this many failed of the last breakerLastRuns.',
    { env: 'BREAKER_FAILURES' },
  ),
  breakerLastRuns: s(G.guards, 'breakerLastRuns', 5, positive(5), 'Circuit breaker: runs looked at.', {
    env: 'BREAKER_LAST_RUNS',
  }),
  breakerWindowMinutes: s(
    G.guards,
    'breakerWindowMinutes',
    60,
    positive(60),
    'Circuit breaker: only runs within this many minutes count; also how long it stays open.',
    { env: 'BREAKER_WINDOW_MINUTES' },
  ),
  guardCacheSeconds: s(
    G.guards,
    'guardCacheSeconds',
    10,
    atLeastZero(10),
    "Seconds a container reuses the guards' account-wide reads (budget counter, breaker); 0 = never.",
    { env: 'GUARD_CACHE_SECONDS' },
  ),
  automationConcurrentShare: s(
    G.admission,
    'automationConcurrentShare',
    DEFAULT_CONCURRENT_SHARE,
    share(DEFAULT_CONCURRENT_SHARE),
    "The service's share of SSM's 100 running Automation executions.",
    { env: 'AUTOMATION_CONCURRENT_SHARE' },
  ),
  automationQueuedShare: s(
    G.admission,
    'automationQueuedShare',
    DEFAULT_QUEUED_SHARE,
    share(DEFAULT_QUEUED_SHARE),
    "The service's share of SSM's 1,000 queued Automation executions.",
    { env: 'AUTOMATION_QUEUED_SHARE' },
  ),
  switchesCacheSeconds: s(
    G.caches,
    'switchesCacheSeconds',
    30,
    atLeastZero(30),
    'Seconds a container reuses the kill switch and modes; 0 = never.',
    { env: 'SWITCHES_CACHE_SECONDS' },
  ),
  calendarCacheSeconds: s(
    G.caches,
    'calendarCacheSeconds',
    30,
    atLeastZero(30),
    'Seconds a container reuses a Change Calendar state (never past its next transition); 0 = never.',
    { env: 'CALENDAR_CACHE_SECONDS' },
  ),
  tagsCacheSeconds: s(
    G.caches,
    'tagsCacheSeconds',
    30,
    atLeastZero(30),
    "Seconds a container reuses a resource's tags (the opt-out gate); 0 = never.",
    { env: 'TAGS_CACHE_SECONDS' },
  ),
  agentSweepRate: s(
    G.agent,
    'agentSweepRate',
    'rate(5 minutes)',
    rate,
    'Schedule of the agent-health sweep.',
  ),
  agentStaleMinutes: s(
    G.agent,
    'agentStaleMinutes',
    DEFAULT_LIMITS.agentStaleMinutes,
    positive(DEFAULT_LIMITS.agentStaleMinutes),
    'An Online agent whose last ping is older than this is stale.',
    { env: 'AGENT_STALE_MINUTES' },
  ),
  agentDebounceSweeps: s(
    G.agent,
    'agentDebounceSweeps',
    3,
    positive(3),
    'Consecutive failing sweeps before an instance is announced disconnected.',
    { env: 'AGENT_DEBOUNCE_SWEEPS' },
  ),
  agentSweepPages: s(
    G.agent,
    'agentSweepPages',
    100,
    positive(100),
    'Pages (50 agents each) of Online agents read per sweep; the walk resumes at the next.',
    { env: 'AGENT_SWEEP_PAGES' },
  ),
  agentSweepRps: s(
    G.agent,
    'agentSweepRps',
    5,
    positive(5),
    'DescribeInstanceInformation calls per second at most.',
    { env: 'AGENT_SWEEP_RPS' },
  ),
  reconcileRate: s(
    G.reconcile,
    'reconcileRate',
    'rate(15 minutes)',
    rate,
    'Schedule of the reconcile sweep (deferred work, missed completions).',
  ),
  deferralMaxAgeHours: s(
    G.reconcile,
    'deferralMaxAgeHours',
    168,
    positive(168),
    'Held work older than this expires with a notification.',
    { env: 'DEFERRAL_MAX_AGE_HOURS', functions: ['reconcile'] },
  ),
  verifyTimeoutMinutes: s(
    G.reconcile,
    'verifyTimeoutMinutes',
    30,
    positive(30),
    'Minutes to wait for Config to confirm a fix before "ran but not fixed".',
    { env: 'VERIFY_TIMEOUT_MINUTES' },
  ),
  reconcilePollMinutes: s(
    G.reconcile,
    'reconcilePollMinutes',
    5,
    positive(5),
    'In-flight executions older than this are polled by the sweep.',
    { env: 'RECONCILE_POLL_MINUTES' },
  ),
  backfillPerRun: s(
    G.reconcile,
    'backfillPerRun',
    0,
    z.coerce.number().int().min(0).max(500).default(0),
    'Findings each scheduled sweep feeds from what Config reports NON_COMPLIANT now (0 = off).',
    { env: 'BACKFILL_PER_RUN', functions: ['reconcile'] },
  ),
  historyTtlDays: s(
    G.reconcile,
    'historyTtlDays',
    90,
    positive(90),
    'Days outcome history is kept in the ledger.',
    { env: 'HISTORY_TTL_DAYS' },
  ),
  remediateConcurrency: s(
    G.capacity,
    'remediateConcurrency',
    5,
    z.coerce.number().int().positive(),
    'Reserved concurrency of remediate (caps how hard a burst can drive SSM and the ledger).',
  ),
  completeConcurrency: s(
    G.capacity,
    'completeConcurrency',
    5,
    z.coerce.number().int().positive(),
    'Reserved concurrency of complete.',
  ),
  reconcileConcurrency: s(
    G.capacity,
    'reconcileConcurrency',
    1,
    z.coerce.number().int().positive(),
    'Reserved concurrency of reconcile (one sweep at a time).',
  ),
  patchFanoutConcurrency: s(
    G.capacity,
    'patchFanoutConcurrency',
    2,
    z.coerce.number().int().min(2),
    "Reserved concurrency of patchFanout (at least its SQS source's maximumConcurrency, 2).",
  ),
  slackDigestWindow: s(
    G.capacity,
    'slackDigestWindow',
    300,
    z.coerce.number().int().min(0).max(300),
    "The Slack queue's batching window, seconds: one post per remediation per window.",
  ),
  notifySlackConcurrency: s(
    G.capacity,
    'notifySlackConcurrency',
    2,
    z.coerce.number().int().min(2),
    'Reserved concurrency of the Slack poster (Slack takes about one message a second).',
  ),
  operatorPrincipals: s(
    G.trust,
    'operatorPrincipals',
    '',
    csv.pipe(
      z.array(
        z
          .string()
          .regex(
            /^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/,
            'must be IAM role or user ARNs, no wildcards',
          ),
      ),
    ),
    "IAM role/user ARNs that may put operator events on the service's bus ('' = nobody).",
  ),
  webhookKmsKeyArn: s(
    G.trust,
    'webhookKmsKeyArn',
    '',
    z.union([
      z.literal(''),
      z
        .string()
        .regex(
          /^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-)?[0-9a-fA-F-]{32,36}$/,
          'must be a KMS key ARN',
        ),
    ]),
    "Customer-managed KMS key of the webhook SecureString ('' = aws/ssm).",
  ),
  production: s(
    G.ops,
    'production',
    'false',
    bool,
    'A production stage is checked at package time (defaultCalendars, assume role).',
  ),
  derivedAutomationRoles: s(
    G.ops,
    'derivedAutomationRoles',
    'false',
    bool,
    "Production: 'true' accepts the per-remediation Automation roles the service ships.",
  ),
  heldAlarmMinutes: s(
    G.ops,
    'heldAlarmMinutes',
    360,
    z.coerce.number().int().positive(),
    'The held-work alarm fires when the oldest held finding is older than this.',
  ),
} satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;
export const SETTING_LIST: Setting[] = Object.values(SETTINGS);

type Settings = typeof SETTINGS;
/** The Lambda-environment half of the table, keyed by variable: what src/config.ts parses. */
export type EnvSchemas = {
  [
    K in keyof Settings as Settings[K] extends { env: infer E extends string } ? E : never
  ]: Settings[K]['schema'];
};

export function envSchemas(): EnvSchemas {
  return Object.fromEntries(
    SETTING_LIST.filter((x) => x.env).map((x) => [x.env!, x.schema]),
  ) as unknown as EnvSchemas;
}

/** The functions that get a setting's variable. */
export const functionsOf = (x: Setting): readonly FunctionName[] => x.functions ?? FUNCTION_NAMES;

/**
 * Problems with a stage's values (resolved params): unknown names, values that do not parse. Values
 * still holding a variable (`${…}`) are not judged.
 */
export function settingProblems(values: Record<string, unknown>, stage?: string): string[] {
  const out: string[] = [];
  for (const [name, raw] of Object.entries(values)) {
    const x = (SETTINGS as Record<string, Setting>)[name];
    if (!x) {
      out.push(`${name}: not a setting (src/settings.ts)`);
      continue;
    }
    if (stage && x.stages !== 'any' && !x.stages.includes(stage) && raw !== x.default)
      out.push(`${name}: stage ${stage} may not override it (allowed: ${x.stages.join(', ')})`);
    const value = raw === undefined || raw === null ? '' : String(raw);
    if (value.includes('${')) continue;
    const r = x.schema.safeParse(value);
    if (!r.success) out.push(`${name}: ${JSON.stringify(value)}: ${r.error.issues[0]!.message}`);
  }
  return out;
}
