/**
 * Events the service could not accept (the dead-letter queue).
 */
export interface DeadLetterPort {
  /** Keeps an event the service could not accept, with the reason and the field at fault. */
  send(event: unknown, reason: string, field?: string): Promise<void>;
}
