import { StartAutomationExecutionCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { AutomationPort } from '../ports/index.ts';
import { withBackoff, type RetryOptions } from './retry.ts';

/** StartAutomationExecution with the engine's deterministic ClientToken and tags; throttling retried with backoff. */
export function ssmAutomation(ssm: SSMClient, retry: RetryOptions = {}): AutomationPort {
  return {
    async start(req) {
      const out = await withBackoff(
        `StartAutomationExecution ${req.document}`,
        () =>
          ssm.send(
            new StartAutomationExecutionCommand({
              DocumentName: req.document,
              Parameters: req.parameters,
              ClientToken: req.clientToken,
              Tags: Object.entries(req.tags).map(([Key, Value]) => ({ Key, Value })),
            }),
          ),
        retry,
      );
      if (!out.AutomationExecutionId)
        throw new Error('StartAutomationExecution returned no AutomationExecutionId');
      return { executionId: out.AutomationExecutionId };
    },
  };
}
