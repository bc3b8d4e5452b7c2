/**
 * Claims and locks: what makes acting exactly-once. A claim is the idempotency key of one finding
 * (remediation, resource, family and finding time): at most one claim per key. A lock is the
 * remediation's hold on the resource while an action is in flight: at most one per remediation and
 * resource. A claim marked `started` is also one run of the remediation on the resource: the loop
 * guard counts them (one Query of the resource's claims), so a start writes no item of its own.
 *
 * | item | pk | sk | ttl |
 * | claim (idempotency key, and a run once started) | CLAIM#<rem>#<res> | <family>#<findingTime> | claimTtlDays (at least window + 1 d once started) |
 * | in-flight lock          | LOCK#<rem>#<res>  | LOCK                   | expiresAt + 1 d |
 *
 * Before 2026-12-06 each start also wrote a run item (`RUNS#<rem>#<res>`); a started claim of then has
 * no `startedAt` and counts at its `claimedAt` (a claim is written seconds before its start).
 */
import type { ClaimKey, ClaimResult, ExecutionRecord } from '../ports/ledger.ts';
import { DAY, epoch, iso, type LedgerTable } from './ledger-table.ts';

export interface ClaimOptions {
  /** Idempotency keys live this long (ms). */
  claimTtlMs: number;
  /** A claim whose action never started may be taken over after this (ms). */
  staleMs: number;
  /** Safety expiry of an in-flight lock if no completion ever arrives (ms). */
  lockMs: number;
  /** The loop guard's window (ms). */
  windowMs: number;
}

export const claimPk = (rem: string, res: string): string => `CLAIM#${rem}#${res}`;
export const claimSk = (k: Pick<ClaimKey, 'family' | 'findingTime'>): string =>
  `${k.family}#${k.findingTime}`;
const lockPk = (rem: string, res: string): string => `LOCK#${rem}#${res}`;

export interface ClaimLedger {
  claim(key: ClaimKey, now: Date): Promise<ClaimResult>;
  release(key: ClaimKey): Promise<void>;
  /** The execution started: its claims and locks carry it, and each resource counts one run. */
  markStarted(rec: ExecutionRecord): Promise<void>;
  releaseLocks(exec: Pick<ExecutionRecord, 'executionId' | 'remediationId' | 'resourceIds'>): Promise<void>;
  /** The runs of this remediation on this resource within the loop guard's window, oldest first. */
  runs(remediationId: string, resourceId: string, now: Date): Promise<string[]>;
}

export function claimLedger(table: LedgerTable, o: ClaimOptions): ClaimLedger {
  return {
    async claim(key, now) {
      const t = now.getTime();
      const pk = claimPk(key.remediationId, key.resourceId);
      const sk = claimSk(key);
      const claimed = await table.put({
        Item: {
          pk,
          sk,
          state: 'claimed',
          remediationId: key.remediationId,
          resourceId: key.resourceId,
          family: key.family,
          findingTime: key.findingTime,
          claimedAt: iso(t),
          ttl: epoch(t + o.claimTtlMs),
        },
        // A claim whose action never started (the invocation died before release) goes stale.
        ConditionExpression: 'attribute_not_exists(pk) OR (#state = :claimed AND claimedAt < :stale)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':claimed': 'claimed', ':stale': iso(t - o.staleMs) },
      });
      if (!claimed) {
        const prior = await table.get(pk, sk);
        const executionId = typeof prior?.executionId === 'string' ? prior.executionId : undefined;
        return {
          status: 'duplicate',
          reason: `this finding (${key.remediationId} on ${key.resourceId} at ${key.findingTime}) was already handled${
            typeof prior?.claimedAt === 'string' ? ` at ${prior.claimedAt}` : ''
          }${executionId ? ` by execution ${executionId}` : ''}`,
          ...(executionId ? { executionId } : {}),
        };
      }
      const locked = await table.put({
        Item: {
          pk: lockPk(key.remediationId, key.resourceId),
          sk: 'LOCK',
          owner: sk,
          remediationId: key.remediationId,
          resourceId: key.resourceId,
          lockedAt: iso(t),
          // Short until the action starts; markStarted extends it.
          expiresAt: iso(t + o.staleMs),
          ttl: epoch(t + o.staleMs + DAY),
        },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': iso(t) },
      });
      if (locked) return { status: 'claimed' };
      const lock = await table.get(lockPk(key.remediationId, key.resourceId), 'LOCK');
      const executionId = typeof lock?.executionId === 'string' ? lock.executionId : undefined;
      // This finding is covered by the execution in flight: a redelivery of it is a duplicate too.
      await table.update({
        Key: { pk, sk },
        UpdateExpression: executionId ? 'SET #state = :s, executionId = :e' : 'SET #state = :s',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':s': 'superseded', ...(executionId ? { ':e': executionId } : {}) },
      });
      return {
        status: 'duplicate',
        reason: `${key.remediationId} is already in flight on ${key.resourceId}${
          executionId ? ` (execution ${executionId})` : ''
        }${typeof lock?.lockedAt === 'string' ? ` since ${lock.lockedAt}` : ''}`,
        ...(executionId ? { executionId } : {}),
      };
    },

    async release(key) {
      const sk = claimSk(key);
      await table.remove({
        Key: { pk: lockPk(key.remediationId, key.resourceId), sk: 'LOCK' },
        ConditionExpression: '#owner = :owner AND attribute_not_exists(executionId)',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': sk },
      });
      await table.remove({
        Key: { pk: claimPk(key.remediationId, key.resourceId), sk },
        ConditionExpression: '#state = :claimed',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':claimed': 'claimed' },
      });
    },

    async markStarted(rec) {
      const t = Date.parse(rec.startedAt);
      for (const res of rec.resourceIds) {
        const owner = claimSk({
          family: rec.family,
          findingTime: rec.findingTimes?.[res] ?? rec.findingTime,
        });
        // The started claim is the run the loop guard counts: it lives at least the guard's window.
        const ttl = epoch(t + Math.max(o.claimTtlMs, o.windowMs + DAY));
        const marked = await table.update({
          Key: { pk: claimPk(rec.remediationId, res), sk: owner },
          UpdateExpression: 'SET #state = :s, executionId = :e, startedAt = :at, #ttl = :ttl',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#state': 'state', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':s': 'started',
            ':e': rec.executionId,
            ':at': rec.startedAt,
            ':ttl': ttl,
          },
        });
        // No claim to mark (an execution recovered by its tags after its claim was given back): the
        // run is still counted, as a started claim of its own.
        if (!marked)
          await table.put({
            Item: {
              pk: claimPk(rec.remediationId, res),
              sk: owner,
              state: 'started',
              remediationId: rec.remediationId,
              resourceId: res,
              family: rec.family,
              findingTime: rec.findingTimes?.[res] ?? rec.findingTime,
              claimedAt: rec.startedAt,
              startedAt: rec.startedAt,
              executionId: rec.executionId,
              ttl,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          });
        await table.update({
          Key: { pk: lockPk(rec.remediationId, res), sk: 'LOCK' },
          UpdateExpression:
            'SET executionId = :e, expiresAt = :exp, #ttl = :ttl, #owner = if_not_exists(#owner, :owner), ' +
            'remediationId = :rem, resourceId = :res, lockedAt = if_not_exists(lockedAt, :at)',
          ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner OR expiresAt < :at',
          ExpressionAttributeNames: { '#owner': 'owner', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':e': rec.executionId,
            ':exp': iso(t + o.lockMs),
            ':ttl': epoch(t + o.lockMs + DAY),
            ':owner': owner,
            ':rem': rec.remediationId,
            ':res': res,
            ':at': rec.startedAt,
          },
        });
      }
    },

    async releaseLocks(exec) {
      for (const res of exec.resourceIds) {
        await table.remove({
          Key: { pk: lockPk(exec.remediationId, res), sk: 'LOCK' },
          ConditionExpression: 'executionId = :e',
          ExpressionAttributeValues: { ':e': exec.executionId },
        });
      }
    },

    async runs(remediationId, resourceId, now) {
      const t = now.getTime();
      const items = await table.query({
        KeyConditionExpression: 'pk = :pk',
        // Started claims in the window (claims of before startedAt count at their claimedAt).
        FilterExpression:
          '#state = :started AND (startedAt BETWEEN :from AND :to OR ' +
          '(attribute_not_exists(startedAt) AND claimedAt BETWEEN :from AND :to))',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':pk': claimPk(remediationId, resourceId),
          ':started': 'started',
          ':from': iso(t - o.windowMs),
          ':to': `${iso(t)}~`,
        },
        ProjectionExpression: 'startedAt, claimedAt, executionId',
        ConsistentRead: true,
      });
      return items
        .map((r) => `${String(r['startedAt'] ?? r['claimedAt'])}#${String(r['executionId'] ?? '')}`)
        .sort();
    },
  };
}
