/**
 * EventBridge event-pattern matching, as AWS does it (checked against the 400 cases in
 * test/conformance/eventbridge-patterns.json).
 *
 * A pattern is a JSON object that mirrors the event. Each pattern field is either a nested object
 * (descend into the event) or a non-empty array of match values (a leaf); `$or` at any level holds two
 * or more alternative sub-patterns. All fields of an object must match (AND); the entries of a leaf array
 * are alternatives (OR). Envelope fields (source, detail-type, account, region, resources, ...) are matched
 * like any other top-level field.
 *
 * Event semantics (those of aws/event-ruler, the library behind EventBridge):
 * - Arrays in the event are transparent: a field whose value is an array offers each element (arrays of
 *   arrays are flattened), and a leaf matches if ANY element matches; objects inside arrays contribute
 *   their fields to the same path. Two fields are not required to come from the same array element.
 * - Leaf values are strings, numbers, booleans and null; types are distinct ("300" is not 300, "true"
 *   is not true, "null" is not null). An object or an empty array is not a value, so it fails every leaf
 *   test except `{"exists": false}`.
 * - `{"exists": true}` matches when the path has at least one leaf value (null counts); `{"exists": false}`
 *   when it has none (the field is missing, or holds only an object or an empty array).
 */
import { compileAnythingBut } from './anything-but.ts';
import { compileCidr } from './cidr.ts';
import { fail, fieldPath, indexPath, isPlainObject, singleEntry } from './invalid.ts';
import { compileNumeric } from './numeric.ts';
import { compileAffix, compileEqualsIgnoreCase } from './strings.ts';
import { isLeaf, type Leaf, type ValueTest } from './values.ts';
import { compileWildcard } from './wildcard.ts';

export { InvalidPatternError } from './invalid.ts';

export type EventPattern = Record<string, unknown>;

/** A validated pattern, ready to test many events. */
export type CompiledPattern = (event: unknown) => boolean;

type EventObject = Record<string, unknown>;
/** Tests the set of objects found at one path of the event. */
type ObjectMatcher = (nodes: readonly EventObject[]) => boolean;
/** Tests the leaf values found at one path of the event. */
type LeafMatcher = (values: readonly Leaf[]) => boolean;

/** Operators that test single values; a leaf matches if any of its values passes. */
const VALUE_OPERATORS: Record<string, (operand: unknown, path: string) => ValueTest> = {
  prefix: (operand, path) => compileAffix('prefix', operand, path),
  suffix: (operand, path) => compileAffix('suffix', operand, path),
  'equals-ignore-case': compileEqualsIgnoreCase,
  'anything-but': compileAnythingBut,
  numeric: compileNumeric,
  wildcard: compileWildcard,
  cidr: compileCidr,
};

/** True if `event` matches `pattern`. Throws InvalidPatternError if the pattern is not valid. */
export function matches(pattern: EventPattern, event: unknown): boolean {
  return compilePattern(pattern)(event);
}

/**
 * Throws an InvalidPatternError, whose message names the offending path, if `pattern` is not a valid
 * EventBridge pattern: not an object, an empty object, a leaf that is not a non-empty array, an unknown
 * operator, a malformed operand (numeric with a bad operator, a bad CIDR, ...), or a `$or` that is not an
 * array of at least two objects.
 */
export function validatePattern(pattern: unknown): asserts pattern is EventPattern {
  compilePattern(pattern);
}

/** Validates `pattern` once and returns a matcher for it (the pattern is not read again). */
export function compilePattern(pattern: unknown): CompiledPattern {
  const root = compileObject(pattern, '');
  return (event) => root(objectsIn(expand([event])));
}

// ---------------------------------------------------------------------------------------------------
// Compiling the pattern

function compileObject(pattern: unknown, path: string): ObjectMatcher {
  if (!isPlainObject(pattern)) {
    return fail(path, path === '' ? 'a pattern must be a JSON object' : 'must be an object or an array');
  }
  const entries = Object.entries(pattern);
  if (entries.length === 0) fail(path, 'empty objects are not allowed');
  const fields = entries.map(([key, value]): ObjectMatcher => {
    const at = fieldPath(path, key);
    if (key === '$or') return compileOr(value, at);
    if (Array.isArray(value)) {
      const leaf = compileLeaf(value, at);
      return (nodes) => leaf(leavesIn(childrenOf(nodes, key)));
    }
    if (isPlainObject(value)) {
      const nested = compileObject(value, at);
      return (nodes) => nested(objectsIn(childrenOf(nodes, key)));
    }
    return fail(at, `must be an object or an array of match values, got ${describe(value)}`);
  });
  return (nodes) => fields.every((field) => field(nodes));
}

function compileOr(value: unknown, path: string): ObjectMatcher {
  if (!Array.isArray(value)) fail(path, '$or must be an array of objects');
  if (value.length < 2) fail(path, '$or must hold at least 2 objects');
  const branches = value.map((branch, i) => {
    if (!isPlainObject(branch)) fail(indexPath(path, i), 'only objects are allowed in $or');
    return compileObject(branch, indexPath(path, i));
  });
  return (nodes) => branches.some((branch) => branch(nodes));
}

function compileLeaf(alternatives: unknown[], path: string): LeafMatcher {
  if (alternatives.length === 0) fail(path, 'empty arrays are not allowed');
  const tests = alternatives.map((alt, i) => compileMatchValue(alt, indexPath(path, i)));
  return (values) => tests.some((test) => test(values));
}

function compileMatchValue(alt: unknown, path: string): LeafMatcher {
  if (isLeaf(alt)) return (values) => values.some((v) => v === alt);
  if (!isPlainObject(alt)) {
    return fail(
      path,
      `match value must be a string, number, boolean, null or an operator object, got ${describe(alt)}`,
    );
  }
  const [op, operand] = singleEntry(alt, path);
  const at = fieldPath(path, op);
  if (op === 'exists') return compileExists(operand, at);
  const compile = Object.hasOwn(VALUE_OPERATORS, op) ? VALUE_OPERATORS[op] : undefined;
  if (!compile) return fail(at, `unrecognized match type "${op}"`);
  const test = compile(operand, at);
  return (values) => values.some(test);
}

function compileExists(operand: unknown, path: string): LeafMatcher {
  if (typeof operand !== 'boolean') fail(path, 'exists must be true or false');
  return operand ? (values) => values.length > 0 : (values) => values.length === 0;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'undefined';
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------------
// Reading the event

/** Flattens arrays (recursively) so that each element stands on its own. */
function expand(values: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v !== undefined) out.push(v);
  };
  values.forEach(visit);
  return out;
}

/** The values of field `key` in each of `nodes`, arrays expanded. */
function childrenOf(nodes: readonly EventObject[], key: string): unknown[] {
  return expand(nodes.filter((node) => Object.hasOwn(node, key)).map((node) => node[key]));
}

const objectsIn = (values: readonly unknown[]): EventObject[] => values.filter(isPlainObject);

const leavesIn = (values: readonly unknown[]): Leaf[] => values.filter(isLeaf);
