/** The engine's dependencies with the deployment's home (account from the function's own ARN, AWS_REGION). */
import type { Context } from 'aws-lambda';
import type { EngineDeps } from '../../core/engine.ts';
import { homeOf } from '../../events/origin.ts';

export function atHome<D extends EngineDeps>(deps: D, context: Context): D {
  return {
    ...deps,
    config: { ...deps.config, home: homeOf(context.invokedFunctionArn, process.env.AWS_REGION) },
  };
}
