/**
 * The environment, parsed once and typed. Required values have no silent default: a missing one is
 * a ConfigError naming the variable, which fails the function at start rather than acting wrongly.
 */
import * as z from './events/zod.ts';
import { ConfigError } from './core/errors.ts';
import { DEFAULT_CONCURRENT_SHARE, DEFAULT_QUEUED_SHARE } from './core/admission.ts';
import { DEFAULT_LIMITS, type Limits } from './core/gates.ts';
import { ID_PATTERNS } from './core/ids.ts';

const csv = z.pipe(
  z._default(z.string(), ''),
  z.transform((s: string) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  ),
);
const int = (d: number) => z._default(z.coerce.number().check(z.int(), z.positive()), d);
/** An integer ≥ 0 (0 usually means "off"), at most `max`. */
const count = (d: number, max?: number) =>
  z._default(z.coerce.number().check(z.int(), z.gte(0), ...(max === undefined ? [] : [z.lte(max)])), d);
/** A share in (0, 1], e.g. 0.5. */
const share = (d: number) => z._default(z.coerce.number().check(z.gt(0), z.lte(1)), d);
/** A JSON string parsed with `schema`; anything else is one issue with `message`. */
const json = <T extends z.ZodMiniType>(schema: T, fallback: string, message: string) =>
  z.pipe(
    z._default(z.string(), fallback),
    z.transform((s: string, ctx): z.output<T> => {
      try {
        return schema.parse(JSON.parse(s));
      } catch {
        ctx.issues.push({ code: 'custom', message, input: s });
        return z.NEVER;
      }
    }),
  );
const text = (d: string) => z._default(z.string(), d);
const required = () => z.string().check(z.minLength(1));

const schema = z.object({
  STAGE: required(),
  LOG_LEVEL: z._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO'),
  RESULTS_TOPIC_ARN: required(),
  SLACK_WEBHOOK_PARAM: text(''),
  DEFAULT_CALENDARS: z.pipe(
    csv,
    z.array(z.string().check(z.regex(ID_PATTERNS.calendarName, 'must be a calendar name or ARN'))),
  ),
  AUTOMATION_ASSUME_ROLE_ARN: z._default(
    z.union([z.literal(''), z.string().check(z.regex(ID_PATTERNS.iamRoleArn))]),
    '',
  ),
  /** JSON: { "<remediation id>": "<role ARN>" }, the Automation assume roles the service ships (plugin). */
  AUTOMATION_ASSUME_ROLES: json(
    z.record(z.string(), z.string().check(z.regex(ID_PATTERNS.iamRoleArn))),
    '{}',
    'must be a JSON object of remediation id to IAM role ARN',
  ),
  SWITCHES_PREFIX: z
    .string()
    .check(z.regex(/^\/[\w./-]+$/, 'must be a Parameter Store path like /ssm-remediator/dev')),
  SWITCHES_CACHE_SECONDS: count(30),
  /** Seconds a container reuses a Change Calendar state (never past its next transition); 0 = never. */
  CALENDAR_CACHE_SECONDS: count(30),
  /** Seconds a container reuses a resource's tags (the opt-out gate); 0 = never. */
  TAGS_CACHE_SECONDS: count(30),
  LEDGER_TABLE: required(),
  DEAD_LETTER_QUEUE_URL: required(),
  /** The on-failure queue the reconcile sweep redrives (src/core/redrive.ts); '' : no redrive. */
  FAILED_INVOCATIONS_QUEUE_URL: text(''),
  /** Where a notification waits when Publish fails ('' = nowhere: it is logged and lost). */
  NOTIFY_OUTBOX_QUEUE_URL: text(''),
  OPT_OUT_TAG: z._default(required(), DEFAULT_LIMITS.optOutTag),
  COOLDOWN_MAX_RUNS: int(DEFAULT_LIMITS.cooldownMaxRuns),
  COOLDOWN_WINDOW_HOURS: int(DEFAULT_LIMITS.cooldownWindowHours),
  BUDGET_PER_HOUR: int(DEFAULT_LIMITS.budgetPerHour),
  /** Admission (src/core/admission.ts): the service's share of SSM's 100 running Automation executions. */
  AUTOMATION_CONCURRENT_SHARE: share(DEFAULT_CONCURRENT_SHARE),
  /** Admission: the service's share of SSM's 1,000 queued Automation executions. */
  AUTOMATION_QUEUED_SHARE: share(DEFAULT_QUEUED_SHARE),
  /** JSON: { "<remediation id>": { "<setting>": "<value>" } } */
  REMEDIATION_SETTINGS: json(
    z.record(z.string(), z.record(z.string(), z.string())),
    '{}',
    'must be a JSON object of objects of strings',
  ),
  EVENT_BUS_NAME: text('default'),
  /** Agent-health sweep: an Online agent whose last ping is older than this many minutes is stale. */
  AGENT_STALE_MINUTES: int(15),
  /** Agent-health sweep: consecutive failing sweeps before an instance is announced disconnected. */
  AGENT_DEBOUNCE_SWEEPS: int(3),
  /** Agent-health sweep: pages (50 agents each) of Online agents read per sweep; the walk resumes at the next sweep. */
  AGENT_SWEEP_PAGES: int(100),
  /** Agent-health sweep: DescribeInstanceInformation calls per second at most (SSM publishes no rate; stay low). */
  AGENT_SWEEP_RPS: int(5),
  /** Ledger (README "Guards"): deferred work older than this expires with a notification. */
  DEFERRAL_MAX_AGE_HOURS: int(168),
  /** Ledger: minutes to wait for Config to confirm a fix before "ran but not fixed". */
  VERIFY_TIMEOUT_MINUTES: int(30),
  /** Ledger: the circuit breaker opens at BREAKER_FAILURES failed of the last BREAKER_LAST_RUNS within BREAKER_WINDOW_MINUTES. */
  BREAKER_FAILURES: int(3),
  BREAKER_LAST_RUNS: int(5),
  BREAKER_WINDOW_MINUTES: int(60),
  /** Ledger: seconds a container reuses the guards' account-wide reads (budget counter, breaker); 0 = never. */
  GUARD_CACHE_SECONDS: count(10),
  /** Ledger: in-flight executions older than this are polled by the reconcile sweep. */
  RECONCILE_POLL_MINUTES: int(5),
  /** Reconcile: findings backfill feeds per scheduled sweep (src/core/backfill.ts); 0 = off. */
  BACKFILL_PER_RUN: count(0, 500),
  /** Ledger: outcome history is kept this many days. */
  HISTORY_TTL_DAYS: int(90),
});

export type Env = z.infer<typeof schema>;

export interface AppConfig {
  env: Env;
  limits: Limits;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const r = schema.safeParse(env);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ConfigError(`environment variable ${i.path.join('.')}: ${i.message}`);
  }
  const e = r.data;
  return {
    env: e,
    limits: {
      cooldownMaxRuns: e.COOLDOWN_MAX_RUNS,
      cooldownWindowHours: e.COOLDOWN_WINDOW_HOURS,
      budgetPerHour: e.BUDGET_PER_HOUR,
      optOutTag: e.OPT_OUT_TAG,
      agentStaleMinutes: e.AGENT_STALE_MINUTES,
    },
  };
}
