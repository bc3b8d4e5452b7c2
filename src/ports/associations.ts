/**
 * State Manager associations of an instance.
 */
import type { AssociationFact } from '../model/types.ts';

export interface AssociationsPort {
  /** The State Manager associations on one instance and their last status (association.failed facts). */
  onInstance(instanceId: string): Promise<AssociationFact[]>;
}
