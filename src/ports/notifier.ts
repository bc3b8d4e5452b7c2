/**
 * Notifications to the team (SNS, Slack).
 */
import type { Outcome } from '../model/types.ts';

/** One message to the team: an outcome, or several aggregated (a fan-out). */
export interface Notification {
  /** The headline outcome (for an aggregate, the most severe). */
  outcome: Outcome;
  /** For aggregated notifications: every outcome it summarises. */
  outcomes?: Outcome[];
  title: string;
  consoleUrl?: string;
}

export interface NotifierPort {
  notify(n: Notification): Promise<void>;
}
