import type { OutcomeKind } from '../model/types.ts';

/**
 * The one severity order of outcomes, most severe first: the headline of a notification that
 * carries several outcomes (a fan-out, a multi-instance completion) is its most severe one. A skip
 * ranks above a success: a skip an operator hears about may need a look; a success needs none.
 */
export const SEVERITY: readonly OutcomeKind[] = [
  'failed',
  'rejected',
  'deferred',
  'started',
  'skipped',
  'succeeded',
];

/** The most severe of these outcomes (the first such, in order); undefined if there are none. */
export function mostSevere<T extends { outcome: OutcomeKind }>(outcomes: readonly T[]): T | undefined {
  for (const k of SEVERITY) {
    const o = outcomes.find((x) => x.outcome === k);
    if (o) return o;
  }
  return undefined;
}
