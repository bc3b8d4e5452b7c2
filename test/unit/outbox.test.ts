/** The notification outbox sweep (src/core/outbox.ts). */
import { expect, test } from 'vitest';
import { flushOutbox } from '../../src/core/outbox.ts';
import type { OutboxPort } from '../../src/ports/outbox.ts';
import type { LogPort } from '../../src/ports/index.ts';

const log: LogPort = { debug() {}, info() {}, warn() {}, error() {} } as unknown as LogPort;

function outbox(bodies: string[], publishOk: (body: string) => boolean) {
  const queue = bodies.map((body, i) => ({ handle: `h${i}`, body }));
  const published: string[] = [];
  const port: OutboxPort = {
    receive: async (max) => queue.slice(0, max),
    publish: async (body) => {
      if (body !== '{' && !publishOk(body)) throw new Error('SNS 500');
      JSON.parse(body);
      published.push(body);
    },
    remove: async (h) =>
      void queue.splice(
        queue.findIndex((m) => m.handle === h),
        1,
      ),
  };
  return { port, queue, published };
}

test('publishes what is held and deletes only what was published', async () => {
  const o = outbox(['{"a":1}', '{"b":2}'], () => true);
  expect(await flushOutbox(o.port, log)).toEqual({ published: 2, kept: 0 });
  expect(o.queue).toEqual([]);
});

test('SNS still down: the first failure keeps it and the rest for the next sweep', async () => {
  const o = outbox(['{"a":1}', '{"b":2}', '{"c":3}'], (b) => b === '{"a":1}');
  expect(await flushOutbox(o.port, log)).toEqual({ published: 1, kept: 2 });
  expect(o.queue.map((m) => m.body)).toEqual(['{"b":2}', '{"c":3}']);
});

test('a body that is not JSON is skipped (left for the DLQ), not a reason to stop', async () => {
  const o = outbox(['{', '{"b":2}'], () => true);
  expect(await flushOutbox(o.port, log)).toEqual({ published: 1, kept: 0 });
  expect(o.queue.map((m) => m.body)).toEqual(['{']);
});
