/**
 * Every partition-key prefix the ledger adapters (src/adapters/ledger-*.ts) write is listed in src/core/ledger-keys.ts, which the
 * plugin turns into dynamodb:LeadingKeys conditions: an unlisted prefix would be denied by IAM.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import {
  leadingKeyPatterns,
  REMEDIATION_KEY_PREFIXES,
  REMEDIATION_RESOURCE_KEY_PREFIXES,
  SHARED_KEY_PREFIXES,
  SWEEP_KEY_PREFIXES,
} from '../../src/core/ledger-keys.ts';

// The ledger is one adapter per thing it stores (src/adapters/ledger-*.ts) over one table helper.
const adapterDir = resolve(import.meta.dirname, '../../src/adapters');
const adapter = readdirSync(adapterDir)
  .filter((f) => /^ledger-.*\.ts$/.test(f))
  .map((f) => readFileSync(resolve(adapterDir, f), 'utf8'))
  .join('\n');

test('the adapter writes no partition-key prefix the LeadingKeys conditions do not know', () => {
  const used = new Set([...adapter.matchAll(/`([A-Z]+)#\$\{/g)].map((m) => m[1]!));
  // gsi1pk/gsi2pk values (REM#, TRIPS, INFLIGHT, STARTED#) are index keys: LeadingKeys is about the table's pk.
  used.delete('REM');
  used.delete('STARTED');
  const known = new Set<string>([
    ...REMEDIATION_RESOURCE_KEY_PREFIXES,
    ...REMEDIATION_KEY_PREFIXES,
    ...SHARED_KEY_PREFIXES,
    ...SWEEP_KEY_PREFIXES,
  ]);
  expect([...used].filter((p) => !known.has(p))).toEqual([]);
  expect(used.size).toBeGreaterThan(8);
});

test('the admission counter (ledger-slots.ts) writes under a known shared prefix', () => {
  const slots = readFileSync(resolve(import.meta.dirname, '../../src/adapters/ledger-slots.ts'), 'utf8');
  const used = [...slots.matchAll(/pk: '([A-Z]+)#/g)].map((m) => m[1]!);
  expect(used).toEqual(['SLOTS']);
  expect(SHARED_KEY_PREFIXES).toContain('SLOTS');
  expect(leadingKeyPatterns(['patch-baseline-install'])).toContain('SLOTS#*');
});

test('a role for some remediations may write only their keys, never the sweep’s counters', () => {
  const p = leadingKeyPatterns(['patch-baseline-install']);
  expect(p).toContain('CLAIM#patch-baseline-install#*');
  expect(p).toContain('DONE#patch-baseline-install');
  expect(p).toContain('EXEC#*');
  expect(p.some((k) => k.startsWith('COUNTER'))).toBe(false);
  expect(p.some((k) => k === 'CLAIM#*')).toBe(false);
  expect(leadingKeyPatterns('all')).toContain('CLAIM#*');
  expect(leadingKeyPatterns('all').some((k) => k.startsWith('COUNTER'))).toBe(false);
});
