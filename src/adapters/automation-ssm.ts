import { StartAutomationExecutionCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { AutomationPort } from '../ports/index.ts';
import { transient } from './retry.ts';

/**
 * StartAutomationExecution with the engine's deterministic ClientToken and tags. The ClientToken makes
 * it safe to repeat, so the SDK's own retries cover throttling and 5xx alike.
 */
export function ssmAutomation(ssm: SSMClient): AutomationPort {
  return {
    async start(req) {
      const out = await transient(`StartAutomationExecution ${req.document}`, () =>
        ssm.send(
          new StartAutomationExecutionCommand({
            DocumentName: req.document,
            Parameters: req.parameters,
            ClientToken: req.clientToken,
            Tags: Object.entries(req.tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        ),
      );
      if (!out.AutomationExecutionId)
        throw new Error('StartAutomationExecution returned no AutomationExecutionId');
      return { executionId: out.AutomationExecutionId };
    },
  };
}
