/**
 * Starting an SSM Automation execution.
 */
import type { DocumentParameters } from '../model/types.ts';

export interface StartAutomationRequest {
  document: string;
  parameters: DocumentParameters;
  clientToken: string;
  tags: Record<string, string>;
}

export interface AutomationPort {
  start(req: StartAutomationRequest): Promise<{ executionId: string }>;
}
