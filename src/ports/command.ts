/**
 * Sending a Run Command.
 */
import type { SendCommandAction } from '../model/types.ts';

/** The plan's Run Command (document, parameters, targets, rate control) with the service's comment. */
export interface SendCommandRequest extends Omit<SendCommandAction, 'kind'> {
  comment: string;
}

export interface CommandPort {
  send(req: SendCommandRequest): Promise<{ commandId: string }>;
}
