import { SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { CommandPort } from '../ports/index.ts';
import { withThrottleRetry, type ThrottleRetryOptions } from './retry.ts';

/**
 * SendCommand with rate control. SendCommand has no idempotency token (the ledger claim guards it), so
 * `ssm` should make one attempt per call (ssmSingleAttemptClient): only throttling is retried, here.
 */
export function ssmCommands(ssm: SSMClient, retry: ThrottleRetryOptions = {}): CommandPort {
  return {
    async send(req) {
      if (req.instanceIds.length === 0 || req.instanceIds.length > 50) {
        throw new Error(`SendCommand takes 1 to 50 instance ids, got ${req.instanceIds.length}`);
      }
      const out = await withThrottleRetry(
        `SendCommand ${req.document}`,
        () =>
          ssm.send(
            new SendCommandCommand({
              DocumentName: req.document,
              Parameters: req.parameters,
              InstanceIds: req.instanceIds,
              MaxConcurrency: req.maxConcurrency,
              MaxErrors: req.maxErrors,
              TimeoutSeconds: req.timeoutSeconds,
              Comment: req.comment,
            }),
          ),
        retry,
      );
      const id = out.Command?.CommandId;
      if (!id) throw new Error('SendCommand returned no CommandId');
      return { commandId: id };
    },
  };
}
