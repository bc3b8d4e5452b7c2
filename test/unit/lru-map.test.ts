/** The Map-based LRU the Lambda bundles use for DynamoDB's endpoint-discovery cache (src/adapters/lru-map.ts). */
import { expect, test } from 'vitest';
import LRUCache from '../../src/adapters/lru-map.ts';

test('keeps `capacity` keys, evicting the least recently used; peek does not refresh', () => {
  const c = new LRUCache<string, number>(2);
  c.set('a', 1).set('b', 2);
  expect(c.get('a')).toBe(1); // a is now the most recent
  c.set('c', 3);
  expect([c.has('a'), c.has('b'), c.has('c')]).toEqual([true, false, true]);
  expect(c.peek('a')).toBe(1);
  c.set('d', 4); // a was last got before c was set, and peeking it changed nothing: a goes
  expect([c.has('a'), c.has('c'), c.has('d')]).toEqual([false, true, true]);
  expect(c.get('zz')).toBeUndefined();
  c.clear();
  expect(c.has('c')).toBe(false);
});
