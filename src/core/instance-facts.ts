/** Pure reads of the instance facts the engine gathered (Facts.instances), for remediations' plans. */
import type { InstanceFact } from '../model/types.ts';

/** The finding's own instance status, as the engine read it; Unknown when it was not read. */
export function pingOf(
  instances: Record<string, InstanceFact> | undefined,
  instanceId: string,
): InstanceFact['pingStatus'] {
  return instances?.[instanceId]?.pingStatus ?? 'Unknown';
}
