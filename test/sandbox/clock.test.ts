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

test('a virtual clock moves only when nothing holds it, and jumps to the next timer', async () => {
  const clock = createClock({ virtual: true, start: new Date('2025-01-01T00:00:00Z') });
  const seen: string[] = [];
  clock.after(3_600_000, () => seen.push(`timer at ${clock.now().toISOString()}`));
  const release = clock.hold(); // e.g. a request in flight
  const stepped = clock.step();
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  expect(seen).toEqual([]); // held: time stands still
  expect(clock.now().toISOString()).toBe('2025-01-01T00:00:00.000Z');
  release();
  expect(await stepped).toBe(true);
  expect(seen).toEqual(['timer at 2025-01-01T01:00:00.000Z']); // an idle hour costs no wall time
  expect(await clock.step()).toBe(false);
});

test('drive does not run time on once its work has settled (a turn given back at the end is not idleness)', async () => {
  const clock = createClock({ virtual: true, start: new Date('2025-01-01T00:00:00Z') });
  const seen: string[] = [];
  clock.after(12 * 3_600_000, () => seen.push('a timer half a day away'));
  // Like an invocation: it takes its turn after a tick, works on real I/O (wall time), gives it back.
  const work = (async () => {
    await Promise.resolve();
    const release = await clock.turn();
    await new Promise((r) => setTimeout(r, 30));
    release();
    return 'answered';
  })();
  expect(await clock.drive(work)).toBe('answered');
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  expect(seen).toEqual([]);
  expect(clock.now().toISOString()).toBe('2025-01-01T00:00:00.000Z');
});

test('turns are taken one at a time, in the order asked', async () => {
  const clock = createClock({ virtual: true });
  const order: string[] = [];
  const first = await clock.turn(); // free: granted at once
  const second = clock.turn().then((r) => (order.push('second'), r));
  const third = clock.turn().then((r) => (order.push('third'), r));
  await new Promise((r) => setImmediate(r));
  expect(order).toEqual([]);
  first();
  (await second)();
  (await third)();
  expect(order).toEqual(['second', 'third']);
  await clock.quiet();
});
