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
 * Adding a setting: one entry below, its line in ./settings-docs.ts, then `npx tsx scripts/settings.ts --write`.
 */
import * as z from './model/zod.ts';
import { DEFAULT_CONCURRENT_SHARE, DEFAULT_QUEUED_SHARE } from './core/admission.ts';
import { durationMs } from './model/duration.ts';
import { DEFAULT_LIMITS } from './core/gates.ts';
import { ID_PATTERNS } from './model/ids.ts';

/** The service's functions (serverless.yml `functions`). */
export const FUNCTION_NAMES = [
  'remediate',
  'complete',
  'reconcile',
  'patchFanout',
  'notifySlack',
  'agentSweep',
  'approvalCallback',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export interface Setting<S extends z.ZodMiniType = z.ZodMiniType> {
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
}

/** A comma-separated list; absent: `dflt`'s items. */
const csvOr = (dflt: string) =>
  z.pipe(
    z._default(z.string(), dflt),
    z.transform((s: string) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ),
  );
const csv = csvOr('');
/** A Parameter Store name, or '' (absent: none; a function that does not get the variable). */
const paramNameOrNone = z._default(
  z.union([
    z.literal(''),
    z.string().check(z.regex(/^\/[\w./${}:-]+$/, 'must be a parameter name like /a/b')),
  ]),
  '',
);
const jsonOf = <T extends z.ZodMiniType>(inner: T, message: string) =>
  z.pipe(
    z._default(z.string(), '{}'),
    z.transform((s: string, ctx): z.infer<T> => {
      try {
        return inner.parse(JSON.parse(s)) as z.infer<T>;
      } catch {
        ctx.issues.push({ code: 'custom', message, input: s });
        return z.NEVER;
      }
    }),
  );
const positive = (d: number) => z._default(z.coerce.number().check(z.int(), z.positive()), d);
const atLeastZero = (d: number) => z._default(z.coerce.number().check(z.int(), z.gte(0)), d);
/** A share in (0, 1], e.g. 0.5. */
const share = (d: number) => z._default(z.coerce.number().check(z.gt(0), z.lte(1)), d);
const bool = z._default(z.enum(['true', 'false']), 'false');
const rate = z
  .string()
  .check(z.regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/, 'rate(…) or cron(…)'));

type Opt = Partial<Pick<Setting, 'env' | 'functions' | 'stages'>>;
function s<S extends z.ZodMiniType, const O extends Opt = Record<never, never>>(
  param: string,
  dflt: string | number,
  schema: S,
  opt?: O,
): Setting<S> & O {
  return { param, default: dflt, schema, stages: 'any', ...opt } as Setting<S> & O;
}

/** The table. Order is the order of serverless.yml and the docs. */
export const SETTINGS = {
  logLevel: s(
    'logLevel',
    'INFO',
    z._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO'),

    { env: 'LOG_LEVEL' },
  ),
  slackWebhookParam: s(
    'slackWebhookParam',
    '/ssm-remediator/${sls:stage}/slack-webhook-url',
    paramNameOrNone,
    { env: 'SLACK_WEBHOOK_PARAM', functions: ['notifySlack'] },
  ),
  defaultCalendars: s(
    'defaultCalendars',
    '',
    z.pipe(
      csv,
      z.array(z.string().check(z.regex(ID_PATTERNS.calendarName, 'must be a calendar name or ARN'))),
    ),

    { env: 'DEFAULT_CALENDARS' },
  ),
  automationAssumeRole: s(
    'automationAssumeRole',
    '',
    z._default(
      z.union([z.literal(''), z.string().check(z.regex(ID_PATTERNS.iamRoleArn, 'must be an IAM role ARN'))]),
      '',
    ),

    { env: 'AUTOMATION_ASSUME_ROLE_ARN' },
  ),
  remediationSettings: s(
    'remediationSettings',
    '{}',
    jsonOf(
      z.record(
        z.string(),
        z.record(z.string(), z.string()).check(
          // A mistyped approval timeout must not quietly become the 1 h default.
          z.refine(
            (o) => o['approvalTimeout'] === undefined || durationMs(o['approvalTimeout']) !== undefined,
          ),
        ),
      ),
      'must be a JSON object of objects of strings (an approvalTimeout a duration like 30m, 1h or 1h30m)',
    ),

    { env: 'REMEDIATION_SETTINGS' },
  ),
  optOutTag: s(
    'optOutTag',
    DEFAULT_LIMITS.optOutTag,
    z._default(z.string().check(z.minLength(1)), DEFAULT_LIMITS.optOutTag),

    { env: 'OPT_OUT_TAG' },
  ),
  cooldownMaxRuns: s(
    'cooldownMaxRuns',
    DEFAULT_LIMITS.cooldownMaxRuns,
    positive(DEFAULT_LIMITS.cooldownMaxRuns),

    { env: 'COOLDOWN_MAX_RUNS' },
  ),
  cooldownWindowHours: s(
    'cooldownWindowHours',
    DEFAULT_LIMITS.cooldownWindowHours,
    positive(DEFAULT_LIMITS.cooldownWindowHours),

    { env: 'COOLDOWN_WINDOW_HOURS' },
  ),
  budgetPerHour: s(
    'budgetPerHour',
    DEFAULT_LIMITS.budgetPerHour,
    positive(DEFAULT_LIMITS.budgetPerHour),

    { env: 'BUDGET_PER_HOUR' },
  ),
  breakerFailures: s(
    'breakerFailures',
    3,
    positive(3),

    { env: 'BREAKER_FAILURES' },
  ),
  breakerLastRuns: s('breakerLastRuns', 5, positive(5), {
    env: 'BREAKER_LAST_RUNS',
  }),
  breakerWindowMinutes: s(
    'breakerWindowMinutes',
    60,
    positive(60),

    { env: 'BREAKER_WINDOW_MINUTES' },
  ),
  guardCacheSeconds: s(
    'guardCacheSeconds',
    10,
    atLeastZero(10),

    { env: 'GUARD_CACHE_SECONDS' },
  ),
  automationConcurrentShare: s(
    'automationConcurrentShare',
    DEFAULT_CONCURRENT_SHARE,
    share(DEFAULT_CONCURRENT_SHARE),

    { env: 'AUTOMATION_CONCURRENT_SHARE' },
  ),
  automationQueuedShare: s(
    'automationQueuedShare',
    DEFAULT_QUEUED_SHARE,
    share(DEFAULT_QUEUED_SHARE),

    { env: 'AUTOMATION_QUEUED_SHARE' },
  ),
  switchesCacheSeconds: s(
    'switchesCacheSeconds',
    30,
    atLeastZero(30),

    { env: 'SWITCHES_CACHE_SECONDS' },
  ),
  calendarCacheSeconds: s(
    'calendarCacheSeconds',
    30,
    atLeastZero(30),

    { env: 'CALENDAR_CACHE_SECONDS' },
  ),
  tagsCacheSeconds: s(
    'tagsCacheSeconds',
    30,
    atLeastZero(30),

    { env: 'TAGS_CACHE_SECONDS' },
  ),
  agentSweepRate: s('agentSweepRate', 'rate(5 minutes)', rate),
  agentStaleMinutes: s(
    'agentStaleMinutes',
    DEFAULT_LIMITS.agentStaleMinutes,
    positive(DEFAULT_LIMITS.agentStaleMinutes),

    { env: 'AGENT_STALE_MINUTES' },
  ),
  agentDebounceSweeps: s(
    'agentDebounceSweeps',
    3,
    positive(3),

    { env: 'AGENT_DEBOUNCE_SWEEPS' },
  ),
  agentSweepPages: s(
    'agentSweepPages',
    100,
    positive(100),

    { env: 'AGENT_SWEEP_PAGES' },
  ),
  agentSweepRps: s(
    'agentSweepRps',
    5,
    positive(5),

    { env: 'AGENT_SWEEP_RPS' },
  ),
  reconcileRate: s('reconcileRate', 'rate(15 minutes)', rate),
  deferralMaxAgeHours: s(
    'deferralMaxAgeHours',
    168,
    positive(168),

    { env: 'DEFERRAL_MAX_AGE_HOURS', functions: ['reconcile'] },
  ),
  verifyTimeoutMinutes: s(
    'verifyTimeoutMinutes',
    30,
    positive(30),

    { env: 'VERIFY_TIMEOUT_MINUTES' },
  ),
  reconcilePollMinutes: s(
    'reconcilePollMinutes',
    5,
    positive(5),

    { env: 'RECONCILE_POLL_MINUTES' },
  ),
  backfillPerRun: s(
    'backfillPerRun',
    0,
    z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(500)), 0),

    { env: 'BACKFILL_PER_RUN', functions: ['reconcile'] },
  ),
  historyTtlDays: s(
    'historyTtlDays',
    90,
    positive(90),

    { env: 'HISTORY_TTL_DAYS' },
  ),
  remediateConcurrency: s('remediateConcurrency', 5, z.coerce.number().check(z.int(), z.positive())),
  completeConcurrency: s('completeConcurrency', 5, z.coerce.number().check(z.int(), z.positive())),
  reconcileConcurrency: s('reconcileConcurrency', 1, z.coerce.number().check(z.int(), z.positive())),
  patchFanoutConcurrency: s('patchFanoutConcurrency', 2, z.coerce.number().check(z.int(), z.gte(2))),
  slackDigestWindow: s('slackDigestWindow', 300, z.coerce.number().check(z.int(), z.gte(0), z.lte(300))),
  notifySlackConcurrency: s('notifySlackConcurrency', 2, z.coerce.number().check(z.int(), z.gte(2))),
  operatorPrincipals: s(
    'operatorPrincipals',
    '',
    z.pipe(
      csv,
      z.array(
        z
          .string()
          .check(
            z.regex(
              /^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/,
              'must be IAM role or user ARNs, no wildcards',
            ),
          ),
      ),
    ),
  ),
  webhookKmsKeyArn: s(
    'webhookKmsKeyArn',
    '',
    z.union([
      z.literal(''),
      z
        .string()
        .check(
          z.regex(
            /^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-)?[0-9a-fA-F-]{32,36}$/,
            'must be a KMS key ARN',
          ),
        ),
    ]),
  ),
  production: s('production', 'false', bool),
  derivedAutomationRoles: s('derivedAutomationRoles', 'false', bool),
  heldAlarmMinutes: s('heldAlarmMinutes', 360, z.coerce.number().check(z.int(), z.positive())),
  slackSigningSecretParam: s(
    'slackSigningSecretParam',
    '/ssm-remediator-approvals/${sls:stage}/slack-signing-secret',
    // Only approvalCallback gets the variable; every function parses the whole table, so '' elsewhere.
    paramNameOrNone,
    { env: 'SLACK_SIGNING_SECRET_PARAM', functions: ['approvalCallback'] },
  ),
  approvers: s(
    'approvers',
    '',
    z.pipe(
      csv,
      z.array(
        z.string().check(
          z.regex(/^([UW]|S)[A-Z0-9]{2,20}$/, {
            error: (iss) =>
              `${JSON.stringify(iss.input)} is not a Slack user id (U…/W…) or user-group id (S…)`,
          }),
        ),
      ),
    ),
    { env: 'APPROVERS', functions: ['approvalCallback'] },
  ),
  slackBotTokenParam: s(
    'slackBotTokenParam',
    '/ssm-remediator-approvals/${sls:stage}/slack-bot-token',
    paramNameOrNone,
    { env: 'SLACK_BOT_TOKEN_PARAM', functions: ['approvalCallback'] },
  ),
  slackApiUrl: s(
    'slackApiUrl',
    'https://slack.com/api',
    z._default(
      z
        .string()
        .check(z.regex(/^https?:\/\/[a-z0-9.:-]+(\/[\w./-]*)?$/, 'must be a URL like https://slack.com/api')),
      'https://slack.com/api',
    ),
    { env: 'SLACK_API_URL', functions: ['approvalCallback'] },
  ),
  slackResponseHosts: s(
    'slackResponseHosts',
    'hooks.slack.com',
    z.pipe(
      csvOr('hooks.slack.com'),
      z.array(z.string().check(z.regex(/^[a-z0-9.-]+$/, 'must be host names'))),
    ),
    { env: 'SLACK_RESPONSE_HOSTS', functions: ['approvalCallback'] },
  ),
  approvalCallbackConcurrency: s('approvalCallbackConcurrency', 2, positive(2)),
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
