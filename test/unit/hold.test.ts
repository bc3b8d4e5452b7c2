import { describe, expect, it } from 'vitest';
import { holdCodeOf, holdDelayMs, holdDue, nextTryAt } from '../../src/core/hold.ts';

const MIN = 60_000;
const now = new Date('2025-03-04T14:30:00.000Z');

describe('held work backoff', () => {
  it.each([
    [1, 2.5, 5],
    [2, 5, 10],
    [3, 10, 20],
    [4, 20, 40],
    [5, 30, 60],
    [12, 30, 60],
  ])('try %i waits between %d and %d min (5 min doubling to 1 h, half jittered)', (attempt, lo, hi) => {
    expect(holdDelayMs(attempt, () => 0)).toBe(lo * MIN);
    expect(holdDelayMs(attempt, () => 1)).toBe(hi * MIN);
  });

  it('budget work waits for the next hour window; calendar work waits on the calendar', () => {
    expect(nextTryAt('budget', 3, now, () => 0)).toBe('2025-03-04T15:00:00.000Z');
    expect(nextTryAt('calendar-closed', 1, now)).toBeUndefined();
    expect(nextTryAt('gate-unreadable', 1, now, () => 1)).toBe('2025-03-04T14:35:00.000Z');
  });

  it('only deferred outcomes with a hold code are held; due once the next try has come', () => {
    expect(holdCodeOf({ outcome: 'deferred', code: 'gate-unreadable' })).toBe('gate-unreadable');
    expect(holdCodeOf({ outcome: 'deferred', code: 'budget' })).toBe('budget');
    expect(holdCodeOf({ outcome: 'skipped', code: 'budget' })).toBeUndefined();
    expect(holdCodeOf({ outcome: 'deferred' })).toBeUndefined();
    expect(holdDue({ nextTryAt: '2025-03-04T14:30:00.000Z' }, now)).toBe(true);
    expect(holdDue({ nextTryAt: '2025-03-04T14:30:00.001Z' }, now)).toBe(false);
  });
});
