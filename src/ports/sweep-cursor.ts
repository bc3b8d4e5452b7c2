/**
 * Where the agent-health sweep's walk over the fleet resumes.
 */

/** Where the walk over the fleet resumes (kept in the ledger between sweeps). */
export interface SweepCursorPort {
  get(): Promise<string | undefined>;
  /** undefined: the walk is done, the next one starts from the beginning. */
  put(cursor: string | undefined): Promise<void>;
}
