/** Approval requests (mode `approve`, src/core/approval.ts), kept durably until decided or timed out. */
import type { ApprovalRecord, ApprovalState } from '../core/approval.ts';

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
