/**
 * Events the service publishes on its own bus (EventBridge PutEvents).
 */
export interface PublishEntry {
  source: string;
  detailType: string;
  detail: unknown;
  resources?: string[];
}

export interface PublishFailure {
  entry: PublishEntry;
  errorCode: string;
  errorMessage?: string;
}

export interface EventPublisherPort {
  /** Publishes every entry; returns the ones that still failed after the publisher's retries. */
  publish(entries: PublishEntry[]): Promise<{ failed: PublishFailure[] }>;
}
