/**
 * The finding a deferral keeps in the ledger (a Finding built from a trigger event), validated again
 * before the reconcile sweep replays it.
 */
import * as z from './zod.ts';
import type { StoredDeferral } from '../ports/ledger-store.ts';
import { typedFinding } from '../core/finding.ts';
import { TRIGGER_FAMILIES, type Finding } from '../core/types.ts';

const storedFinding = z.object({
  family: z.enum(TRIGGER_FAMILIES),
  eventId: z.string().check(z.minLength(1)),
  account: z.string(),
  region: z.string(),
  resourceType: z.string().check(z.minLength(1)),
  resourceId: z.string().check(z.minLength(1)),
  rule: z.optional(z.string()),
  orderingTime: z.string().check(z.minLength(1)),
  time: z.string().check(z.minLength(1)),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.undefined()])),
});

/** The finding a deferral keeps, validated again before it is replayed (typed detail: src/core/finding.ts). */
export function revivedFinding(d: StoredDeferral): Finding {
  return typedFinding(storedFinding.parse(d.finding));
}
