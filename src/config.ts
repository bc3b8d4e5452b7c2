/**
 * The environment, parsed once and typed. Required values have no silent default: a missing one is
 * a ConfigError naming the variable, which fails the function at start rather than acting wrongly.
 */
import * as z from 'zod';
import { ConfigError } from './core/errors.ts';
import type { Limits } from './core/gates.ts';
import { ID_PATTERNS } from './core/ids.ts';
import { envSchemas } from './settings.ts';

/**
 * Wiring: names and addresses of the stack's own resources, set by serverless.yml (not settings: a
 * stage does not choose them). Settings come from src/settings.ts.
 */
const wiring = {
  STAGE: z.string().min(1),
  RESULTS_TOPIC_ARN: z.string().min(1),
  /** JSON: { "<remediation id>": "<role ARN>" }, the Automation assume roles the service ships (plugin). */
  AUTOMATION_ASSUME_ROLES: z
    .string()
    .default('{}')
    .transform((s, ctx) => {
      try {
        return z.record(z.string(), z.string().regex(ID_PATTERNS.iamRoleArn)).parse(JSON.parse(s));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of remediation id to IAM role ARN' });
        return z.NEVER;
      }
    }),
  SWITCHES_PREFIX: z
    .string()
    .regex(/^\/[\w./-]+$/, 'must be a Parameter Store path like /ssm-remediator/dev'),
  LEDGER_TABLE: z.string().min(1),
  DEAD_LETTER_QUEUE_URL: z.string().min(1),
  /** The on-failure queue the reconcile sweep redrives (src/core/redrive.ts); '' : no redrive. */
  FAILED_INVOCATIONS_QUEUE_URL: z.string().default(''),
  /** Where a notification waits when Publish fails ('' = nowhere: it is logged and lost). */
  NOTIFY_OUTBOX_QUEUE_URL: z.string().default(''),
  EVENT_BUS_NAME: z.string().default('default'),
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
