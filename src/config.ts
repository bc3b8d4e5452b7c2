/**
 * The environment, parsed once and typed. Required values have no silent default: a missing one is
 * a ConfigError naming the variable, which fails the function at start rather than acting wrongly.
 */
import * as z from './model/zod.ts';
import { ConfigError } from './model/errors.ts';
import type { Limits } from './core/gates.ts';
import { ID_PATTERNS } from './model/ids.ts';
import { envSchemas } from './settings.ts';

/**
 * Wiring: names and addresses of the stack's own resources, set by serverless.yml (not settings: a
 * stage does not choose them). Settings come from src/settings.ts.
 */
const wiring = {
  STAGE: z.string().check(z.minLength(1)),
  RESULTS_TOPIC_ARN: z.string().check(z.minLength(1)),
  /** JSON: { "<remediation id>": "<role ARN>" }, the Automation assume roles the service ships (plugin). */
  AUTOMATION_ASSUME_ROLES: z.pipe(
    z._default(z.string(), '{}'),
    z.transform((s: string, ctx) => {
      try {
        return z.record(z.string(), z.string().check(z.regex(ID_PATTERNS.iamRoleArn))).parse(JSON.parse(s));
      } catch {
        ctx.issues.push({
          code: 'custom',
          message: 'must be a JSON object of remediation id to IAM role ARN',
          input: s,
        });
        return z.NEVER;
      }
    }),
  ),
  SWITCHES_PREFIX: z
    .string()
    .check(z.regex(/^\/[\w./-]+$/, 'must be a Parameter Store path like /ssm-remediator/dev')),
  LEDGER_TABLE: z.string().check(z.minLength(1)),
  DEAD_LETTER_QUEUE_URL: z.string().check(z.minLength(1)),
  /** The on-failure queue the reconcile sweep redrives (src/core/redrive.ts); '' : no redrive. */
  FAILED_INVOCATIONS_QUEUE_URL: z._default(z.string(), ''),
  /** Where a notification waits when Publish fails ('' = nowhere: it is logged and lost). */
  NOTIFY_OUTBOX_QUEUE_URL: z._default(z.string(), ''),
  EVENT_BUS_NAME: z._default(z.string(), 'default'),
};

const schema = z.object({ ...wiring, ...envSchemas() });

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
