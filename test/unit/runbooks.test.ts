/**
 * Every remediation's worked examples, run through the same dry run as `remediator plan`.
 * A new remediation file is picked up here with no edit: the registry is derived from src/runbooks/.
 */
import entries from 'virtual:runbooks';
import { describe, expect, test } from 'vitest';
import { runExample } from '../../src/core/dry-run.ts';
import { createRegistry } from '../../src/core/registry.ts';

const registry = createRegistry(entries);

test('the registry holds at least five Config remediations', () => {
  expect(registry.all().filter((r) => r.trigger === 'config.noncompliant').length).toBeGreaterThanOrEqual(5);
});

describe.each(registry.all().map((r) => [r.id, r] as const))('%s', (_id, r) => {
  test('has examples', () => expect(r.examples.length).toBeGreaterThan(0));
  test.each(r.examples.map((x) => [x.name, x] as const))('example: %s', (_name, ex) => {
    expect(runExample(r, ex)).toEqual([]);
  });
});

test('runExample reports a wrong expectation (the examples test can fail)', () => {
  const r = registry.get('restricted-ssh')!;
  const ex = { ...r.examples[0]!, expect: { outcome: 'deferred' as const } };
  expect(runExample(r, ex)).toEqual([expect.stringContaining('expected deferred')]);
});
