import { Logger } from '@aws-lambda-powertools/logger';
import type { LogPort } from '../ports/index.ts';

/**
 * Where the invocation's correlation id is (JMESPath, Powertools `correlationIdPath`): an EventBridge
 * event's `id` (rules and schedules), else the first SQS record's `messageId` (patch fan-out, Slack).
 * Every line of the invocation carries it as `correlation_id`; the finding an outcome is about is
 * `findingEventId` (docs/operating.md "Logs and history").
 */
export const CORRELATION_ID_PATH = 'id || Records[0].messageId';

/**
 * The logger's `correlationIdSearchFn`: the JMESPath subset the correlation path uses (`a.b`, `a[0].b`,
 * `x || y`), so the bundles do not carry a JMESPath engine (@aws-lambda-powertools/jmespath) for one path.
 */
export function searchPath(expression: string, data: unknown): unknown {
  for (const alternative of expression.split('||')) {
    let v: unknown = data;
    for (const step of alternative.trim().split('.')) {
      const m = /^([A-Za-z_][\w-]*)((?:\[\d+\])*)$/.exec(step);
      if (!m) throw new Error(`unsupported correlation id path: ${expression}`);
      v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[m[1]!] : undefined;
      for (const [, i] of m[2]!.matchAll(/\[(\d+)\]/g)) v = Array.isArray(v) ? v[Number(i)] : undefined;
    }
    if (v !== undefined && v !== null && v !== '' && v !== false) return v;
  }
  return null;
}

/** One Powertools logger per function: JSON lines, `correlation_id` from the triggering event. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'INFO'): Logger {
  return new Logger({
    serviceName: 'ssm-remediator',
    logLevel: level as 'INFO',
    correlationIdSearchFn: searchPath,
  });
}

export function logPort(logger: Logger): LogPort {
  return {
    info: (m, f) => logger.info(m, f),
    warn: (m, f) => logger.warn(m, f),
    error: (m, f) => logger.error(m, f),
  };
}
