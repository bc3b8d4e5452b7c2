import { fail, isPlainObject, singleEntry } from './invalid.ts';
import type { ValueTest } from './values.ts';

/**
 * String operators: exact strings, `prefix`, `suffix`, `equals-ignore-case`, and the ignore-case forms
 * `{"prefix": {"equals-ignore-case": "..."}}` / `{"suffix": {"equals-ignore-case": "..."}}`.
 * They only ever match string values: `{"prefix": "1"}` does not match the number 12.
 */

const fold = (s: string): string => s.toLowerCase();

export const equalsIgnoreCase =
  (expected: string): ValueTest =>
  (v) =>
    typeof v === 'string' && fold(v) === fold(expected);

export const startsWith =
  (prefix: string, ignoreCase = false): ValueTest =>
  (v) =>
    typeof v === 'string' && (ignoreCase ? fold(v).startsWith(fold(prefix)) : v.startsWith(prefix));

export const endsWith =
  (suffix: string, ignoreCase = false): ValueTest =>
  (v) =>
    typeof v === 'string' && (ignoreCase ? fold(v).endsWith(fold(suffix)) : v.endsWith(suffix));

/** `{"prefix": ...}` or `{"suffix": ...}`: a string, or `{"equals-ignore-case": string}`. */
export function compileAffix(op: 'prefix' | 'suffix', operand: unknown, path: string): ValueTest {
  const make = op === 'prefix' ? startsWith : endsWith;
  if (typeof operand === 'string') return make(operand);
  if (isPlainObject(operand)) {
    const [inner, value] = singleEntry(operand, path);
    if (inner !== 'equals-ignore-case') fail(`${path}.${inner}`, `unsupported ${op} option "${inner}"`);
    if (typeof value !== 'string')
      fail(`${path}.${inner}`, `${op} equals-ignore-case value must be a string`);
    return make(value, true);
  }
  return fail(path, `${op} must be a string or {"equals-ignore-case": string}`);
}

export function compileEqualsIgnoreCase(operand: unknown, path: string): ValueTest {
  if (typeof operand !== 'string') fail(path, 'equals-ignore-case must be a string');
  return equalsIgnoreCase(operand);
}
