import { fail, fieldPath, indexPath, isPlainObject, singleEntry, stringOrStrings } from './invalid.ts';
import { endsWith, equalsIgnoreCase, startsWith } from './strings.ts';
import type { ValueTest } from './values.ts';
import { parseWildcard, wildcardMatches } from './wildcard.ts';

/**
 * `{"anything-but": ...}` matches any present value the inner expression does NOT match, including null
 * and values of another type (`{"anything-but": {"prefix": "init"}}` matches 12). A missing field (or an
 * empty array) has no value, so anything-but does not match it. The operand is one of:
 * - a string or number, or a non-empty list of all strings or all numbers (numbers compare numerically);
 * - `{"prefix": s | [s...]}`, `{"suffix": s | [s...]}` (non-empty strings);
 * - `{"equals-ignore-case": s | [s...]}`, `{"wildcard": s | [s...]}`.
 */
export function compileAnythingBut(operand: unknown, path: string): ValueTest {
  const excluded = isPlainObject(operand)
    ? compileExcludedExpression(operand, path)
    : compileExcludedValues(operand, path);
  return (v) => !excluded(v);
}

function compileExcludedValues(operand: unknown, path: string): ValueTest {
  const list = Array.isArray(operand) ? operand : [operand];
  if (list.length === 0) fail(path, 'anything-but list must not be empty');
  const at = (i: number): string => (Array.isArray(operand) ? indexPath(path, i) : path);
  list.forEach((v, i) => {
    if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string') {
      fail(at(i), 'anything-but values must be strings or numbers (not null, booleans or objects)');
    }
  });
  const kinds = new Set(list.map((v) => typeof v));
  if (kinds.size > 1) fail(path, 'anything-but list must be all strings or all numbers, not mixed');
  const set = new Set<unknown>(list);
  return (v) => set.has(v);
}

function compileExcludedExpression(operand: Record<string, unknown>, path: string): ValueTest {
  const [op, inner] = singleEntry(operand, path);
  const innerPath = fieldPath(path, op);
  const strings =
    (tests: ValueTest[]): ValueTest =>
    (v) =>
      tests.some((t) => t(v));
  switch (op) {
    case 'prefix':
    case 'suffix': {
      const values = stringOrStrings(inner, innerPath, `anything-but ${op}`);
      if (values.some((s) => s === '')) fail(innerPath, `anything-but ${op} must not be empty`);
      return strings(values.map((s) => (op === 'prefix' ? startsWith(s) : endsWith(s))));
    }
    case 'equals-ignore-case':
      return strings(
        stringOrStrings(inner, innerPath, 'anything-but equals-ignore-case').map(equalsIgnoreCase),
      );
    case 'wildcard': {
      const patterns = stringOrStrings(inner, innerPath, 'anything-but wildcard').map((s, i) =>
        parseWildcard(s, Array.isArray(inner) ? indexPath(innerPath, i) : innerPath),
      );
      return (v) => typeof v === 'string' && patterns.some((pieces) => wildcardMatches(pieces, v));
    }
    default:
      return fail(innerPath, `unsupported anything-but expression "${op}"`);
  }
}
