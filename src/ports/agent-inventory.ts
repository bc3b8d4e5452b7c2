/**
 * The SSM agents of the fleet, as the agent-health sweep reads them (DescribeInstanceInformation).
 */

/** One row of DescribeInstanceInformation, as the inventory adapter returns it. */
export interface AgentInstance {
  instanceId: string;
  pingStatus: string;
  /** ISO-8601. */
  lastPingDateTime?: string;
  platformType?: string;
  resourceType?: string;
}

export interface AgentInventoryPort {
  /** Every agent SSM reports not connected (ConnectionLost, Inactive): all pages of a server-side filter. */
  disconnected(): Promise<AgentInstance[]>;
  /** These instances as SSM lists them now; one it no longer lists (stopped, terminated) is absent. */
  byIds(ids: string[]): Promise<AgentInstance[]>;
  /**
   * Up to `maxPages` pages of every agent from `cursor` (undefined: from the start). `next` is where
   * the following sweep resumes; absent when the walk reached the end.
   */
  walk(
    cursor: string | undefined,
    maxPages: number,
  ): Promise<{ instances: AgentInstance[]; pages: number; next?: string }>;
}
