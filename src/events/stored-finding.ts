/**
 * The finding a deferral keeps in the ledger (a Finding built from a trigger event), validated again
 * before the reconcile sweep replays it.
 */
import * as z from '../model/zod.ts';
import type { StoredDeferral } from '../ports/ledger-store.ts';
import { findingBase, typedFinding } from '../model/finding.ts';
import type { Finding } from '../model/types.ts';

/** A kept finding's detail holds only scalars (what the engine stored from a trigger event). */
const storedFinding = z.extend(findingBase, {
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.undefined()])),
});

/** The finding a deferral keeps, validated again before it is replayed (typed detail: src/model/finding.ts). */
export function revivedFinding(d: StoredDeferral): Finding {
  return typedFinding(storedFinding.parse(d.finding));
}
