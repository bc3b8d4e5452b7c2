/** The JSON scalars an event field can hold and a pattern can test. */
export type Leaf = string | number | boolean | null;

/** Tests one event value. */
export type ValueTest = (value: Leaf) => boolean;

export const isLeaf = (v: unknown): v is Leaf =>
  v === null ||
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v));
