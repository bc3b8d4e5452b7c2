import { Logger } from '@aws-lambda-powertools/logger';
import { search } from '@aws-lambda-powertools/logger/correlationId';
import type { LogPort } from '../ports/index.ts';

/**
 * Where the invocation's correlation id is (JMESPath, Powertools `correlationIdPath`): an EventBridge
 * event's `id` (rules and schedules), else the first SQS record's `messageId` (patch fan-out, Slack).
 * Every line of the invocation carries it as `correlation_id`; the finding an outcome is about is
 * `findingEventId` (docs/operating.md "Logs and history").
 */
export const CORRELATION_ID_PATH = 'id || Records[0].messageId';

/** One Powertools logger per function: JSON lines, `correlation_id` from the triggering event. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'INFO'): Logger {
  return new Logger({
    serviceName: 'ssm-remediator',
    logLevel: level as 'INFO',
    correlationIdSearchFn: search,
  });
}

export function logPort(logger: Logger): LogPort {
  return {
    info: (m, f) => logger.info(m, f),
    warn: (m, f) => logger.warn(m, f),
    error: (m, f) => logger.error(m, f),
  };
}
