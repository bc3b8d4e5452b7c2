/**
 * Notifications whose Publish failed, held in the outbox queue.
 */
export interface OutboxPort {
  receive(max: number): Promise<Array<{ handle: string; body: string }>>;
  publish(body: string): Promise<void>;
  remove(handle: string): Promise<void>;
}
