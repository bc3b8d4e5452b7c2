import {
  GetAutomationExecutionCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  type SSMClient,
  type StepExecution,
} from '@aws-sdk/client-ssm';
import type { AutomationDetail, CommandDetail, ExecutionsPort } from '../ports/executions.ts';
import { transient } from './retry.ts';

const STEP_FAILED = new Set(['Failed', 'TimedOut', 'Cancelled']);

const isoOf = (d: Date | undefined): string | undefined => (d ? new Date(d).toISOString() : undefined);

/** The step that failed: the last step whose status is a failure, else the current one. */
export function failedStep(steps: StepExecution[]): AutomationDetail['failedStep'] {
  const s = [...steps].reverse().find((x) => x.StepStatus && STEP_FAILED.has(x.StepStatus));
  if (!s) return undefined;
  const details = s.FailureDetails?.Details
    ? Object.entries(s.FailureDetails.Details).map(([k, v]) => `${k}: ${v.join(' ')}`)
    : [];
  const message = s.FailureMessage ?? (details.length ? details.join('; ') : undefined);
  return {
    name: s.StepName ?? '(unnamed step)',
    status: s.StepStatus!,
    ...(s.Action ? { action: s.Action } : {}),
    ...(message ? { message } : {}),
  };
}

/** SSM reads for completions: GetAutomationExecution, ListCommands and ListCommandInvocations (paged). */
export function ssmExecutions(ssm: SSMClient): ExecutionsPort {
  return {
    async automation(executionId): Promise<AutomationDetail> {
      const out = await transient(`GetAutomationExecution ${executionId}`, () =>
        ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: executionId })),
      );
      const a = out.AutomationExecution;
      if (!a) throw new Error(`GetAutomationExecution ${executionId} returned no execution`);
      const step = failedStep(a.StepExecutions ?? []);
      return {
        executionId,
        status: a.AutomationExecutionStatus ?? 'Unknown',
        ...(a.DocumentName ? { document: a.DocumentName } : {}),
        ...(a.FailureMessage ? { failureMessage: a.FailureMessage } : {}),
        ...(step ? { failedStep: step } : {}),
        ...(a.ExecutionStartTime ? { startTime: isoOf(a.ExecutionStartTime) } : {}),
        ...(a.ExecutionEndTime ? { endTime: isoOf(a.ExecutionEndTime) } : {}),
      };
    },

    async command(commandId): Promise<CommandDetail> {
      const listed = await transient(`ListCommands ${commandId}`, () =>
        ssm.send(new ListCommandsCommand({ CommandId: commandId })),
      );
      const c = listed.Commands?.[0];
      const counts: Record<string, number> = {};
      const invocations: CommandDetail['invocations'] = [];
      let NextToken: string | undefined;
      do {
        const page = await transient(`ListCommandInvocations ${commandId}`, () =>
          ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId, MaxResults: 50, NextToken })),
        );
        for (const inv of page.CommandInvocations ?? []) {
          const status = inv.Status ?? 'Unknown';
          counts[status] = (counts[status] ?? 0) + 1;
          if (inv.InstanceId) {
            invocations.push({
              instanceId: inv.InstanceId,
              status,
              ...(inv.StatusDetails ? { detail: inv.StatusDetails } : {}),
            });
          }
        }
        NextToken = page.NextToken || undefined;
      } while (NextToken);
      return {
        commandId,
        status: c?.Status ?? 'Unknown',
        ...(c?.DocumentName ? { document: c.DocumentName } : {}),
        ...(c?.TargetCount !== undefined ? { targetCount: c.TargetCount } : {}),
        counts,
        invocations,
      };
    },
  };
}
