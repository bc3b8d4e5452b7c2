import { SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { CommandPort } from '../ports/index.ts';
import { withBackoff, type RetryOptions } from './retry.ts';

/** SendCommand with rate control. SendCommand has no idempotency token: the ledger claim guards it. */
export function ssmCommands(ssm: SSMClient, retry: RetryOptions = {}): CommandPort {
  return {
    async send(req) {
      if (req.instanceIds.length === 0 || req.instanceIds.length > 50) {
        throw new Error(`SendCommand takes 1 to 50 instance ids, got ${req.instanceIds.length}`);
      }
      const out = await withBackoff(
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
        { ...retry, retryOn: 'throttling' },
      );
      const id = out.Command?.CommandId;
      if (!id) throw new Error('SendCommand returned no CommandId');
      return { commandId: id };
    },
  };
}
