import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { matches, validatePattern, type EventPattern } from '../../sandbox/eventbridge/pattern.ts';

/**
 * AWS's own answers for 400 pattern/event pairs (see test/conformance/README.md). The matcher must
 * agree with every one of them.
 */
interface ConformanceCase {
  id: string;
  source: string;
  pattern: EventPattern;
  event: unknown;
  match: boolean;
}

const projectRoot = path.resolve(import.meta.dirname, '..', '..');
const casesFile = path.resolve(projectRoot, 'test', 'conformance', 'eventbridge-patterns.json');
const cases = JSON.parse(readFileSync(casesFile, 'utf8')) as ConformanceCase[];

describe('EventBridge pattern conformance', () => {
  test('the conformance file holds all 400 cases (205 match, 195 do not)', () => {
    expect(cases).toHaveLength(400);
    expect(new Set(cases.map((c) => c.id)).size).toBe(400);
    expect(cases.filter((c) => c.match === true)).toHaveLength(205);
    expect(cases.filter((c) => c.match === false)).toHaveLength(195);
  });

  test.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    validatePattern(c.pattern);
    expect(matches(c.pattern, c.event), c.source).toBe(c.match);
  });
});
