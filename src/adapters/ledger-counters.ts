/**
 * Small named counters (the agent-health sweep's debounce counts): add and read back, list a scope,
 * reset one. Only the agent-sweep role may write them (src/core/ledger-keys.ts).
 *
 * | item | pk | sk | ttl |
 * | counter | COUNTER#<scope> | <key> | ttlSeconds |
 */
import type { CounterPort } from '../ports/counter.ts';
import { epoch, type LedgerTable } from './ledger-table.ts';

export function counterLedger(table: LedgerTable): CounterPort {
  return {
    async bumpCounter(scope, key, by, ttlSeconds, now) {
      const out = await table.updateReturning({
        Key: { pk: `COUNTER#${scope}`, sk: key },
        UpdateExpression: 'ADD #n :by SET #ttl = :ttl, updatedAt = :at',
        ExpressionAttributeNames: { '#n': 'n', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':by': by,
          ':ttl': epoch(now.getTime() + ttlSeconds * 1000),
          ':at': now.toISOString(),
        },
      });
      return Number(out['n'] ?? 0);
    },

    async listCounters(scope) {
      const items = await table.query({
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': `COUNTER#${scope}` },
      });
      return Object.fromEntries(items.map((i) => [String(i['sk']), Number(i['n'] ?? 0)]));
    },

    async resetCounter(scope, key) {
      await table.remove({ Key: { pk: `COUNTER#${scope}`, sk: key } });
    },
  };
}
