import { fail, indexPath } from './invalid.ts';
import type { ValueTest } from './values.ts';

/**
 * `{"numeric": [op, n]}` or `{"numeric": [lowOp, low, highOp, high]}` with `=`, `<`, `<=`, `>`, `>=`.
 * As in EventBridge: `=` stands alone; a range is a lower bound (`>`/`>=`) followed by an upper bound
 * (`<`/`<=`) with low < high. Only JSON numbers match (the string "300" does not), and they compare as
 * numbers (300, 300.0 and 3e2 are equal).
 */
type Comparison = '=' | '<' | '<=' | '>' | '>=';
const COMPARISONS: readonly string[] = ['=', '<', '<=', '>', '>='];

const compare = (op: Comparison, v: number, bound: number): boolean => {
  switch (op) {
    case '=':
      return v === bound;
    case '<':
      return v < bound;
    case '<=':
      return v <= bound;
    case '>':
      return v > bound;
    case '>=':
      return v >= bound;
  }
};

function term(expr: unknown[], i: number, path: string): [Comparison, number] {
  const op = expr[i];
  const bound = expr[i + 1];
  if (typeof op !== 'string' || !COMPARISONS.includes(op)) {
    fail(indexPath(path, i), `unrecognized numeric operator ${JSON.stringify(op)}`);
  }
  if (typeof bound !== 'number' || !Number.isFinite(bound)) {
    fail(indexPath(path, i + 1), `value of ${op} must be a number`);
  }
  return [op as Comparison, bound];
}

export function compileNumeric(operand: unknown, path: string): ValueTest {
  if (!Array.isArray(operand)) fail(path, 'numeric must be an array');
  if (operand.length !== 2 && operand.length !== 4) {
    fail(path, 'numeric must be [op, number] or [lowerOp, number, upperOp, number]');
  }
  const first = term(operand, 0, path);
  if (operand.length === 2) {
    const [op, bound] = first;
    return (v) => typeof v === 'number' && compare(op, v, bound);
  }
  const second = term(operand, 2, path);
  const [lowOp, low] = first;
  const [highOp, high] = second;
  if (lowOp !== '>' && lowOp !== '>=') fail(indexPath(path, 0), `a numeric range must start with > or >=`);
  if (highOp !== '<' && highOp !== '<=') fail(indexPath(path, 2), `a numeric range must end with < or <=`);
  if (!(low < high)) fail(path, `numeric range bottom (${low}) must be less than top (${high})`);
  return (v) => typeof v === 'number' && compare(lowOp, v, low) && compare(highOp, v, high);
}
