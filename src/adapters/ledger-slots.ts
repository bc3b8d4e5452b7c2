/**
 * The admission counter (src/core/admission.ts): the service's open Automation executions, one
 * DynamoDB item `SLOTS#automation` / `SLOTS` with `n` (slots taken) and `takenAt` (the last take).
 * Taking is one conditional ADD, so N concurrent takers against a limit get exactly what fits; giving
 * back never goes below zero; the reconcile sweep re-derives a leaked counter conditionally on the
 * value it read.
 */
import type { SlotCounter } from '../ports/ledger-store.ts';
import { isConditionFailed, type LedgerTable } from './ledger-table.ts';

const Key = { pk: 'SLOTS#automation', sk: 'SLOTS' };

export interface SlotLedger {
  /** Takes `want` slots if `n + want <= limit`: true when taken. */
  acquireSlots(want: number, limit: number, now: Date): Promise<boolean>;
  /** Takes one slot if `n + 1 <= limit`: the slots taken after it, or undefined when refused. */
  takeSlot(limit: number, now: Date): Promise<number | undefined>;
  /** Whether this container's try to take a slot was refused in the last minute. */
  shareFullLately(now: Date): boolean;
  /**
   * Gives `count` slots back (an execution ended, or its start failed); never below zero. Answers
   * the slots taken before (undefined when the counter had fewer than `count`: a healed counter).
   */
  returnSlots(count: number): Promise<number | undefined>;
  slots(): Promise<SlotCounter>;
  /** Sets the counter to `to` if it still reads `from`: false if a slot moved meanwhile. */
  setSlots(from: SlotCounter, to: number): Promise<boolean>;
}

/** How long a refused slot makes the engine read the counter before claiming (src/core/engine.ts). */
const FULL_LATELY_MS = 60_000;

export function slotLedger(table: LedgerTable): SlotLedger {
  let refusedAt: number | undefined;
  /** One conditional ADD: the slots taken after it, or undefined when `want` did not fit (remembered). */
  async function take(want: number, limit: number, now: Date): Promise<number | undefined> {
    if (want > limit) return undefined;
    try {
      const after = await table.updateReturning({
        Key,
        UpdateExpression: 'ADD #n :want SET takenAt = :at',
        ConditionExpression: 'attribute_not_exists(#n) OR #n <= :room',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: { ':want': want, ':room': limit - want, ':at': now.toISOString() },
      });
      return typeof after['n'] === 'number' ? after['n'] : limit;
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
      refusedAt = now.getTime();
      return undefined;
    }
  }
  return {
    shareFullLately: (now) => refusedAt !== undefined && now.getTime() - refusedAt < FULL_LATELY_MS,

    async acquireSlots(want, limit, now) {
      if (want <= 0) return true;
      return (await take(want, limit, now)) !== undefined;
    },

    takeSlot: (limit, now) => take(1, limit, now),

    async returnSlots(count) {
      if (count <= 0) return undefined;
      try {
        const before = await table.updateReturning({
          Key,
          UpdateExpression: 'ADD #n :less',
          ConditionExpression: '#n >= :count',
          ExpressionAttributeNames: { '#n': 'n' },
          ExpressionAttributeValues: { ':less': -count, ':count': count },
          ReturnValues: 'UPDATED_OLD',
        });
        return typeof before['n'] === 'number' ? before['n'] : undefined;
      } catch (e) {
        if (!isConditionFailed(e)) throw e;
      }
      // Fewer taken than given back (a healed counter): it goes to zero, not below.
      await table.update({
        Key,
        UpdateExpression: 'SET #n = :zero',
        ConditionExpression: '#n < :count',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: { ':zero': 0, ':count': count },
      });
      return undefined;
    },

    async slots() {
      const item = await table.get(Key.pk, Key.sk);
      const n = typeof item?.['n'] === 'number' ? item['n'] : 0;
      const takenAt = typeof item?.['takenAt'] === 'string' ? item['takenAt'] : undefined;
      return { n, ...(takenAt ? { takenAt } : {}) };
    },

    async setSlots(from, to) {
      return table.update({
        Key,
        UpdateExpression: 'SET #n = :to',
        ConditionExpression: from.takenAt
          ? '#n = :from AND takenAt = :takenAt'
          : '#n = :from AND attribute_not_exists(takenAt)',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: {
          ':to': to,
          ':from': from.n,
          ...(from.takenAt ? { ':takenAt': from.takenAt } : {}),
        },
      });
    },
  };
}
