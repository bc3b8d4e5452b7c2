/**
 * Sending a Run Command.
 */
import type { DocumentParameters } from '../model/types.ts';

export interface SendCommandRequest {
  document: string;
  parameters: DocumentParameters;
  instanceIds: string[];
  maxConcurrency: string;
  maxErrors: string;
  timeoutSeconds: number;
  comment: string;
}

export interface CommandPort {
  send(req: SendCommandRequest): Promise<{ commandId: string }>;
}
