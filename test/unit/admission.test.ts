/** Admission's pure rules: the shares of SSM's quota, what fits, when a leaked counter heals. */
import { describe, expect, test } from 'vitest';
import { admissionLimits, admits, healedSlots, slotsNeeded } from '../../src/core/admission.ts';
import { holdCodeOf, nextTryAt } from '../../src/core/hold.ts';
import { shouldNotify } from '../../src/core/notify.ts';

describe('admission', () => {
  test('the open limit holds both shares whatever SSM does with the executions', () => {
    expect(admissionLimits()).toEqual({ running: 50, queued: 500, open: 50 });
    expect(admissionLimits(1, 1)).toEqual({ running: 100, queued: 1000, open: 100 });
    // A small queued share bounds what may wait in SSM's queue when others fill the running slots.
    expect(admissionLimits(0.5, 0.01).open).toBe(10);
    expect(admissionLimits(0.001, 0.5).open).toBe(1);
  });

  test('one slot per Automation start, none for Run Command; what fits', () => {
    expect(slotsNeeded([{ kind: 'automation' }, { kind: 'command' }, { kind: 'automation' }])).toBe(2);
    expect(admits(49, 1, { open: 50 })).toBe(true);
    expect(admits(50, 1, { open: 50 })).toBe(false);
    expect(admits(49, 2, { open: 50 })).toBe(false);
    expect(admits(50, 0, { open: 50 })).toBe(true);
  });

  test('a leaked counter is lowered to the open executions only after a quiet period', () => {
    const now = new Date('2026-01-05T10:00:00Z');
    const quiet = 15 * 60_000;
    expect(healedSlots({ n: 7, takenAt: '2026-01-05T09:50:00Z' }, 2, now, quiet)).toBeUndefined();
    expect(healedSlots({ n: 7, takenAt: '2026-01-05T09:40:00Z' }, 2, now, quiet)).toBe(2);
    expect(healedSlots({ n: 2, takenAt: '2026-01-05T09:40:00Z' }, 2, now, quiet)).toBeUndefined();
    expect(healedSlots({ n: 1, takenAt: '2026-01-05T09:40:00Z' }, 3, now, quiet)).toBeUndefined();
  });

  test('admission holds are due at every sweep and not announced when held', () => {
    const o = { outcome: 'deferred' as const, code: 'admission' as const };
    expect(holdCodeOf(o)).toBe('admission');
    expect(nextTryAt('admission', 3, new Date())).toBeUndefined();
    expect(shouldNotify({ ...o, eventId: 'e', reason: 'r', actions: [], at: '' })).toBe(false);
  });
});
