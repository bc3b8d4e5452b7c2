import { fail } from './invalid.ts';
import type { ValueTest } from './values.ts';

/**
 * `{"wildcard": "..."}`: `*` matches any run of characters (including none); `\*` is a literal star and
 * `\\` a literal backslash. Like EventBridge, consecutive unescaped stars and any other escape are invalid.
 * Matching is linear-ish (greedy leftmost search of the literal pieces), so patterns such as `*a*a*a*b`
 * cannot blow up the way a naive regex would.
 */
export function parseWildcard(pattern: string, path: string): string[] {
  const pieces: string[] = [];
  let current = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\')
        fail(path, `invalid escape in wildcard "${pattern}" at position ${i}`);
      current += next;
      i++;
    } else if (c === '*') {
      if (pattern[i + 1] === '*')
        fail(path, `consecutive wildcard characters in "${pattern}" at position ${i}`);
      pieces.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  pieces.push(current);
  return pieces;
}

/** `pieces` are the literal runs between stars: `a*b*c` -> ['a', 'b', 'c']. */
export function wildcardMatches(pieces: readonly string[], value: string): boolean {
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return value === first;
  const last = pieces[pieces.length - 1] ?? '';
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  const end = value.length - last.length;
  let pos = first.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i] ?? '';
    const at = value.indexOf(piece, pos);
    if (at < 0 || at + piece.length > end) return false;
    pos = at + piece.length;
  }
  return true;
}

export function compileWildcard(operand: unknown, path: string): ValueTest {
  if (typeof operand !== 'string') fail(path, 'wildcard must be a string');
  const pieces = parseWildcard(operand, path);
  return (v) => typeof v === 'string' && wildcardMatches(pieces, v);
}
