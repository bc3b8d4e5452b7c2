/**
 * The one middy setup every handler shares: Lambda context and the correlation id in every log line,
 * errors logged once, the invocation's metrics flushed (EMF) whether it succeeded or failed.
 */
import middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { CORRELATION_ID_PATH } from '../../adapters/logger.ts';
import { containerMetrics } from './metrics.ts';

export function lambda<E, R>(logger: Logger, fn: (event: E, context: Context) => Promise<R>) {
  const flush = async () => containerMetrics().flush();
  return middy(fn)
    .use(injectLambdaContext(logger, { resetKeys: true, correlationIdPath: CORRELATION_ID_PATH }))
    .use({ after: flush, onError: flush })
    .use({
      onError: async (request) => {
        logger.error('invocation failed; Lambda will retry, then the failure destination keeps the event', {
          error:
            request.error instanceof Error
              ? { name: request.error.name, message: request.error.message }
              : String(request.error),
        });
      },
    });
}
