/**
 * The service's own Automation executions by tag (recovery, src/core/recovery.ts).
 */

/** One of the service's Automation executions as SSM lists it. */
export interface OwnAutomation {
  executionId: string;
  document: string;
  status: string;
  startTime?: string;
}

export interface OwnExecutionsPort {
  /** Executions carrying tag key `tagKey` that started in (startedAfter, startedBefore). */
  list(tagKey: string, startedAfter: Date, startedBefore: Date): Promise<OwnAutomation[]>;
  /** The tags of one execution. */
  tags(executionId: string): Promise<Record<string, string>>;
}
