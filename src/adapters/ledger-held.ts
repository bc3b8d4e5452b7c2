/**
 * Held work (src/core/hold.ts): deferrals and work waiting for a retry, one item per remediation and
 * resource, listed on `gsi1` in arrival order (`DEFERRED` / `<deferredAt>#<rem>#<res>`, the order the
 * sweep releases in). A releaser leases an item first (conditional), so it is released once.
 * `listHeld` reads the items of one hold code page by page only until `max` are found: what the
 * completion function asks ("is admission work held?", max 1) and what the reconcile function's light
 * release pass reads (the oldest admission work, as many as there are free slots).
 *
 * | item | pk | sk | gsi1pk / gsi1sk | ttl |
 * | deferral (held work) | DEFER#<rem>#<res> | DEFER | DEFERRED / <deferredAt>#<rem>#<res> | deferralTtlDays |
 */
import { randomUUID } from 'node:crypto';
import type { LedgerStore, StoredDeferral } from '../ports/ledger-store.ts';
import type { DeferralRecord } from '../ports/ledger.ts';
import { epoch, iso, strip, type LedgerTable } from './ledger-table.ts';

/** Items a page reads before the filter (DynamoDB applies Limit before FilterExpression). */
const PAGE = 100;

const deferPk = (rem: string, res: string): string => `DEFER#${rem}#${res}`;

export type HeldLedger = Pick<
  LedgerStore,
  'listDeferrals' | 'leaseDeferral' | 'dropDeferral' | 'markHoldAnnounced' | 'getDeferral'
> & {
  recordDeferral(rec: DeferralRecord): Promise<void>;
  /** Up to `max` held items with this hold code, in arrival order. */
  listHeld(code: string, max: number): Promise<StoredDeferral[]>;
};

export function heldLedger(table: LedgerTable, deferralTtlMs: number): HeldLedger {
  return {
    async recordDeferral(rec) {
      const t = Date.parse(rec.deferredAt);
      const fields: Record<string, unknown> = { ...rec };
      delete fields.deferredAt;
      const names: Record<string, string> = { '#ttl': 'ttl' };
      const values: Record<string, unknown> = {
        ':at': rec.deferredAt,
        ':g1': 'DEFERRED',
        ':g1sk': `${rec.deferredAt}#${rec.remediationId}#${rec.resourceId}`,
        ':ttl': epoch(t + deferralTtlMs),
      };
      const sets = [
        'deferredAt = if_not_exists(deferredAt, :at)',
        'gsi1pk = :g1',
        'gsi1sk = if_not_exists(gsi1sk, :g1sk)',
        '#ttl = if_not_exists(#ttl, :ttl)',
      ];
      Object.entries(fields).forEach(([k, v], i) => {
        if (v === undefined) return;
        names[`#f${i}`] = k;
        values[`:f${i}`] = v;
        sets.push(`#f${i} = :f${i}`);
      });
      await table.update({
        Key: { pk: deferPk(rec.remediationId, rec.resourceId), sk: 'DEFER' },
        // Re-deferring (the calendar closed again during a release) drops the releaser's lease.
        UpdateExpression: `SET ${sets.join(', ')} REMOVE leaseOwner, leaseUntil`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      });
    },

    async getDeferral(remediationId, resourceId) {
      const item = await table.get(deferPk(remediationId, resourceId), 'DEFER');
      return item ? strip<StoredDeferral>(item) : undefined;
    },

    async listDeferrals() {
      const items = await table.query({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': 'DEFERRED' },
      });
      return items.map((i) => strip<StoredDeferral>(i));
    },

    async listHeld(code, max) {
      if (max <= 0) return [];
      // Paged with a Limit, stopping once `max` match (table.query stops paging at its limit).
      const items = await table.query(
        {
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p',
          FilterExpression: '#code = :code',
          ExpressionAttributeNames: { '#code': 'code' },
          ExpressionAttributeValues: { ':p': 'DEFERRED', ':code': code },
          Limit: Math.max(PAGE, max),
        },
        max,
      );
      return items.map((i) => strip<StoredDeferral>(i));
    },

    async leaseDeferral(remediationId, resourceId, now, seconds) {
      const lease = randomUUID();
      const t = now.getTime();
      const ok = await table.update({
        Key: { pk: deferPk(remediationId, resourceId), sk: 'DEFER' },
        UpdateExpression: 'SET leaseOwner = :l, leaseUntil = :until',
        ConditionExpression:
          'attribute_exists(pk) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
        ExpressionAttributeValues: { ':l': lease, ':until': iso(t + seconds * 1000), ':now': iso(t) },
      });
      return ok ? lease : undefined;
    },

    dropDeferral: (remediationId, resourceId, lease) =>
      table.remove({
        Key: { pk: deferPk(remediationId, resourceId), sk: 'DEFER' },
        ConditionExpression: 'leaseOwner = :l',
        ExpressionAttributeValues: { ':l': lease },
      }),

    markHoldAnnounced: (remediationId, resourceId, now) =>
      table.update({
        Key: { pk: deferPk(remediationId, resourceId), sk: 'DEFER' },
        UpdateExpression: 'SET announcedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(announcedAt)',
        ExpressionAttributeValues: { ':now': now.toISOString() },
      }),
  };
}
