/**
 * What SSM says about an execution the service started (GetAutomationExecution, ListCommands, ListCommandInvocations).
 */

/** Details of an Automation execution, from GetAutomationExecution. */
export interface AutomationDetail {
  executionId: string;
  status: string;
  document?: string;
  failureMessage?: string;
  failedStep?: { name: string; action?: string; status: string; message?: string };
  startTime?: string;
  endTime?: string;
}

/** Details of a Run Command command, from ListCommands and ListCommandInvocations. */
export interface CommandDetail {
  commandId: string;
  status: string;
  document?: string;
  /** Invocation count by status (Success, Failed, TimedOut, …). */
  counts: Record<string, number>;
  /** Every invocation's status, by instance. */
  invocations: { instanceId: string; status: string; detail?: string }[];
  targetCount?: number;
}

export interface ExecutionsPort {
  automation(executionId: string): Promise<AutomationDetail>;
  command(commandId: string): Promise<CommandDetail>;
}
