/**
 * Agent facts of instances (SSM DescribeInstanceInformation).
 */
import type { InstanceFact } from '../model/types.ts';

export interface FleetPort {
  /** Agent facts for these instances; an instance SSM does not know comes back with pingStatus Unknown. */
  describe(instanceIds: string[]): Promise<Record<string, InstanceFact>>;
}
