import { Logger } from '@aws-lambda-powertools/logger';
import type { LogPort } from '../ports/index.ts';

/** One Powertools logger per function; JSON lines, correlated by the keys each call passes. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'INFO'): Logger {
  return new Logger({ serviceName: 'ssm-remediator', logLevel: level as 'INFO' });
}

export function logPort(logger: Logger): LogPort {
  return {
    info: (m, f) => logger.info(m, f),
    warn: (m, f) => logger.warn(m, f),
    error: (m, f) => logger.error(m, f),
  };
}
