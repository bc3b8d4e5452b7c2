/** Approval requests (mode `approve`, src/core/approval.ts), kept durably until decided or timed out. */
import type { Action, Finding } from '../model/types.ts';

export type ApprovalState = 'pending' | 'approved' | 'rejected' | 'expired';

export interface ApprovalRecord {
  id: string;
  state: ApprovalState;
  remediationId: string;
  resourceId: string;
  resourceType: string;
  family: Finding['family'];
  findingTime: string;
  eventId: string;
  account: string;
  region: string;
  /** The plan to approve: the SSM calls with their documents and parameters, and why. */
  actions: Action[];
  reason: string;
  requestedAt: string;
  expiresAt: string;
  /** Who decided: a Slack user id (`slack:U…`) or an IAM principal ARN (the CLI). */
  decidedBy?: string;
  decidedAt?: string;
}

export interface ApprovalsPort {
  /** Keeps a pending request unless one with its id exists; returns the stored one. */
  request(a: ApprovalRecord): Promise<ApprovalRecord>;
  get(id: string): Promise<ApprovalRecord | undefined>;
  /**
   * Decides a pending request, once (a conditional write): false when it was not pending any more
   * (decided, replayed, timed out) or does not exist.
   */
  decide(
    id: string,
    state: Exclude<ApprovalState, 'pending'>,
    by: string | undefined,
    at: Date,
  ): Promise<boolean>;
  /** Pending requests, oldest expiry first. */
  listPending(limit?: number): Promise<ApprovalRecord[]>;
}
