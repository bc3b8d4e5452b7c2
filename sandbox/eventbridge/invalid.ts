/**
 * Pattern validation errors. Every error names the path of the offending part of the pattern, e.g.
 * `detail.state[0].numeric`, so a bad rule is easy to fix.
 */
export class InvalidPatternError extends Error {
  override readonly name = 'InvalidPatternError';
  constructor(
    /** Where in the pattern the problem is; '' for the pattern itself. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Event pattern is not valid at ${path === '' ? '(pattern root)' : path}: ${reason}`);
  }
}

export function fail(path: string, reason: string): never {
  throw new InvalidPatternError(path, reason);
}

/** `detail` + `state` -> `detail.state`. */
export const fieldPath = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** `detail.state` + 0 -> `detail.state[0]`. */
export const indexPath = (path: string, index: number): string => `${path}[${index}]`;

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A single-key object `{op: operand}`, as every match expression is. */
export function singleEntry(obj: Record<string, unknown>, path: string): [string, unknown] {
  const entries = Object.entries(obj);
  const [first] = entries;
  if (!first) fail(path, 'match expression is an empty object');
  if (entries.length > 1) fail(path, `only one key allowed in a match expression, got ${entries.length}`);
  return first;
}

/** A string, or a non-empty list of strings, as `{"anything-but": {"prefix": ...}}` and friends take. */
export function stringOrStrings(operand: unknown, path: string, what: string): string[] {
  if (typeof operand === 'string') return [operand];
  if (Array.isArray(operand) && operand.length > 0) {
    return operand.map((v, i) =>
      typeof v === 'string' ? v : fail(indexPath(path, i), `${what} must be a string`),
    );
  }
  return fail(path, `${what} must be a string or a non-empty array of strings`);
}
