/**
 * The kill switch and per-remediation modes (Parameter Store).
 */
import type { Mode } from '../model/types.ts';

export interface Switches {
  /** true: the global kill switch is engaged and nothing may act. */
  killSwitch: boolean;
  /** Mode per remediation id, where Parameter Store has one. */
  modes: Record<string, Mode | undefined>;
}

export interface SwitchesPort {
  read(remediationIds: string[]): Promise<Switches>;
}
