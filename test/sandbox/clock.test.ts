import { expect, test } from 'vitest';
import { createClock } from '../../sandbox/clock.ts';

test('a simulated delay is never short, even at high speed (Node timers may fire early)', async () => {
  const clock = createClock({ speed: 1000 });
  const fired: number[] = [];
  await Promise.all(
    Array.from({ length: 50 }, (_, i) => {
      const start = clock.now().getTime();
      const delay = 1_000 + i * 137;
      return new Promise<void>((resolve) =>
        clock.after(delay, () => {
          fired.push(clock.now().getTime() - start - delay);
          resolve();
        }),
      );
    }),
  );
  expect(Math.min(...fired)).toBeGreaterThanOrEqual(0);
});

test('a manual clock fires due timers in order on advance', async () => {
  const clock = createClock({ manual: true, start: new Date('2025-01-01T00:00:00Z') });
  const order: string[] = [];
  clock.after(2_000, () => order.push('b'));
  clock.after(1_000, () => order.push('a'));
  const cancel = clock.after(1_500, () => order.push('cancelled'));
  cancel();
  await clock.advance(1_999);
  expect(order).toEqual(['a']);
  await clock.advance(1);
  expect(order).toEqual(['a', 'b']);
  expect(clock.now().toISOString()).toBe('2025-01-01T00:00:02.000Z');
});
