/** The one middy setup every handler shares: Lambda context in every log line, errors logged once. */
import middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';

export function lambda<E, R>(logger: Logger, fn: (event: E, context: Context) => Promise<R>) {
  return middy(fn)
    .use(injectLambdaContext(logger, { resetKeys: true }))
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
