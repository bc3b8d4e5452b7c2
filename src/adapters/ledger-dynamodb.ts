/**
 * The ledger: one DynamoDB table (serverless.yml `LedgerTable`: pk/sk, gsi1 = gsi1pk/gsi1sk, TTL
 * attribute `ttl`). Every write that decides something is conditional; nothing needs a transaction
 * (dynalite, the local engine, has none), so multi-item steps are ordered to be safe when repeated.
 *
 * Items (timestamps are ISO-8601 UTC from Date#toISOString, so they sort as strings):
 *
 * | item | pk | sk | gsi1pk / gsi1sk | ttl |
 * | claim (idempotency key)   | CLAIM#<rem>#<res>  | <family>#<findingTime>   | —                              | claimTtlDays |
 * | in-flight lock            | LOCK#<rem>#<res>   | LOCK                     | —                              | expiresAt + 1 d |
 * | execution                 | EXEC#<id>          | EXEC                     | INFLIGHT or VERIFYING / <startedAt>#<id> (sparse) | outcomeTtlDays |
 * | run (cooldown)            | RUNS#<rem>#<res>   | <startedAt>#<id>         | —                              | window + 1 d |
 * | start (budget)            | STARTS#<hour>      | <startedAt>#<id>         | —                              | 2 h |
 * | budget counter            | BUDGET#<hour>      | BUDGET                   | —                              | 3 h |
 * | finished (breaker)        | DONE#<rem>         | <finishedAt>#<id>        | —                              | window + 1 d |
 * | breaker reset marker      | BREAKER#<rem>      | RESET                    | —                              | — |
 * | deferral (held work)      | DEFER#<rem>#<res>  | DEFER                    | DEFERRED / <deferredAt>#<rem>#<res> | deferralTtlDays |
 * | guard trip                | TRIP#<kind>#<scope>| TRIP                     | TRIPS / <kind>#<scope>         | expiresAt + 1 d |
 * | outcome (history)         | OUT#<res>          | <at>#<rem>#<eventId>#<outcome> | REM#<rem> / <at>#<res>   | outcomeTtlDays |
 * | counter                   | COUNTER#<scope>    | <key>                    | —                              | ttlSeconds |
 * | admission slots           | SLOTS#automation   | SLOTS                    | —                              | — |
 *
 * Only GetItem, PutItem, UpdateItem, DeleteItem and Query are used (what the function roles grant).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_BREAKER,
  evaluateBreaker,
  tripOf,
  type BreakerOptions,
  type FinishedRun,
} from '../core/ledger-guards.ts';
import type { BreakerState, ExecutionPhase, HistoryQuery, LedgerStore, StoredDeferral, StoredExecution, Trip, TripKind } from '../ports/ledger-store.ts';
import type { Outcome } from '../core/types.ts';
import type { ClaimKey, ClaimResult, DeferralRecord, ExecutionRecord, GuardFacts } from '../ports/index.ts';
import { slotLedger } from './ledger-slots.ts';
import { heldLedger } from './ledger-held.ts';
import { startsLedger } from './ledger-starts.ts';
import { systemClock } from './system-clock.ts';

export interface LedgerOptions {
  tableName: string;
  /** Loop guard window (COOLDOWN_WINDOW_HOURS). */
  cooldownWindowHours?: number;
  breaker?: BreakerOptions;
  /** History and execution records live this long (default 90 days). */
  outcomeTtlDays?: number;
  /** Idempotency keys live this long (default 30 days). */
  claimTtlDays?: number;
  /** A claim whose action never started (the invocation died) may be taken over after this (default 120 s). */
  claimStaleSeconds?: number;
  /** Safety expiry of an in-flight lock if no completion ever arrives (default 12 h). */
  lockTtlHours?: number;
  /** Deferred work is deleted by TTL after this (the reconcile sweep expires it much earlier). */
  deferralTtlDays?: number;
  /**
   * The guards' account-wide reads (executions started in the last hour, a remediation's breaker) are
   * kept this long in the container (default 0: read every time). Neither is the enforcement: the
   * budget slot is taken exactly (`acquireBudget`), and a breaker opens on failures minutes after their
   * starts, so a few seconds' reuse changes no decision but saves three reads per finding in a storm
   * (and the hour's COUNT query reads every start of the hour). Per-resource reads (the loop guard's
   * runs) are never cached.
   */
  guardCacheSeconds?: number;
  now?: () => number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const iso = (ms: number): string => new Date(ms).toISOString();
const epoch = (ms: number): number => Math.floor(ms / 1000);

export function isConditionFailed(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'name' in e && e.name === 'ConditionalCheckFailedException';
}

type Item = Record<string, unknown>;

/** Removes the key attributes so a stored item reads as the record it holds. */
function strip<T>(item: Item): T {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ttl: _ttl, ...rest } = item;
  return rest as T;
}

export function dynamoLedger(doc: DynamoDBDocumentClient, opts: LedgerOptions): LedgerStore {
  const TableName = opts.tableName;
  const windowMs = (opts.cooldownWindowHours ?? 24) * HOUR;
  const breakerOpts = opts.breaker ?? DEFAULT_BREAKER;
  const outcomeTtlMs = (opts.outcomeTtlDays ?? 90) * DAY;
  const claimTtlMs = (opts.claimTtlDays ?? 30) * DAY;
  const staleMs = (opts.claimStaleSeconds ?? 120) * 1000;
  const lockMs = (opts.lockTtlHours ?? 12) * HOUR;
  const deferralTtlMs = (opts.deferralTtlDays ?? 30) * DAY;

  const claimPk = (rem: string, res: string) => `CLAIM#${rem}#${res}`;
  const claimSk = (k: Pick<ClaimKey, 'family' | 'findingTime'>) => `${k.family}#${k.findingTime}`;
  const lockPk = (rem: string, res: string) => `LOCK#${rem}#${res}`;
  const execPk = (id: string) => `EXEC#${id}`;
  const deferPk = (rem: string, res: string) => `DEFER#${rem}#${res}`;
  const tripPk = (kind: TripKind, scope: string) => `TRIP#${kind}#${scope}`;
  const hourBucket = (ms: number) => `STARTS#${iso(ms).slice(0, 13)}`;

  async function get(pk: string, sk: string): Promise<Item | undefined> {
    const out = await doc.send(new GetCommand({ TableName, Key: { pk, sk }, ConsistentRead: true }));
    return out.Item;
  }

  /** Runs a conditional write; false if the condition did not hold. */
  async function conditional(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (e) {
      if (isConditionFailed(e)) return false;
      throw e;
    }
  }

  async function count(input: Omit<QueryCommandInput, 'TableName' | 'Select'>): Promise<number> {
    let n = 0;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(
        new QueryCommand({ TableName, Select: 'COUNT', ...input, ExclusiveStartKey }),
      );
      n += out.Count ?? 0;
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return n;
  }

  async function queryAll(input: Omit<QueryCommandInput, 'TableName'>, limit = Infinity): Promise<Item[]> {
    const items: Item[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(new QueryCommand({ TableName, ...input, ExclusiveStartKey }));
      items.push(...(out.Items ?? []));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey && items.length < limit);
    return items.slice(0, limit);
  }

  async function startedLastHour(now: Date): Promise<number> {
    const t = now.getTime();
    const from = iso(t - HOUR);
    const buckets = [...new Set([hourBucket(t - HOUR), hourBucket(t)])];
    const counts = await Promise.all(
      buckets.map((pk) =>
        count({
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': `${iso(t)}~` },
        }),
      ),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  const guardCacheMs = (opts.guardCacheSeconds ?? 0) * 1000;
  const clockNow = opts.now ?? (() => systemClock.now().getTime());
  const guardCache = new Map<string, { at: number; value: Promise<unknown> }>();
  /** A guard read reused for `guardCacheSeconds` in this container (a failed read is not kept). */
  function cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    if (guardCacheMs <= 0) return read();
    const t = clockNow();
    const hit = guardCache.get(key);
    if (hit && t - hit.at < guardCacheMs) return hit.value as Promise<T>;
    const value = read();
    guardCache.set(key, { at: t, value });
    value.catch(() => guardCache.delete(key));
    return value;
  }

  async function breaker(remediationId: string, now: Date): Promise<BreakerState> {
    const t = now.getTime();
    const reset = await get(`BREAKER#${remediationId}`, 'RESET');
    const windowStart = iso(t - breakerOpts.windowMinutes * 60_000);
    const from =
      typeof reset?.resetAt === 'string' && reset.resetAt > windowStart ? reset.resetAt : windowStart;
    const out = await doc.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': `DONE#${remediationId}`, ':from': from, ':to': `${iso(t)}~` },
        ScanIndexForward: false,
        Limit: breakerOpts.lastRuns,
        ConsistentRead: true,
      }),
    );
    const runs = (out.Items ?? []).map((i) => strip<FinishedRun>(i));
    return evaluateBreaker(runs, breakerOpts);
  }

  async function openTrip(
    kind: TripKind,
    scope: string,
    now: Date,
    holdSeconds: number,
    reason: string,
  ): Promise<boolean> {
    const t = now.getTime();
    const expiresAt = iso(t + holdSeconds * 1000);
    return conditional(() =>
      doc.send(
        new PutCommand({
          TableName,
          Item: {
            pk: tripPk(kind, scope),
            sk: 'TRIP',
            gsi1pk: 'TRIPS',
            gsi1sk: `${kind}#${scope}`,
            kind,
            scope,
            openedAt: iso(t),
            expiresAt,
            reason,
            ttl: epoch(t + holdSeconds * 1000 + DAY),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': iso(t) },
        }),
      ),
    );
  }

  const store: LedgerStore = {
    // The admission counter (src/adapters/ledger-slots.ts): SLOTS#automation.
    ...slotLedger(doc, TableName),
    // Held work of one hold code, oldest first (src/adapters/ledger-held.ts): the admission release.
    ...heldLedger(doc, TableName),
    // What recovery by tag compares SSM's list with (src/adapters/ledger-starts.ts).
    ...startsLedger(doc, TableName),
    async guards(remediationId, resourceId, now): Promise<GuardFacts> {
      const t = now.getTime();
      // The runs themselves (a handful at most): their number is the loop guard, the newest one's
      // start tells an association failure that came after a re-apply (gates.ts, `reapplied`).
      const [runs, started, b] = await Promise.all([
        queryAll({
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': `RUNS#${remediationId}#${resourceId}`,
            ':from': iso(t - windowMs),
            ':to': `${iso(t)}~`,
          },
          ProjectionExpression: 'sk',
          ConsistentRead: true,
        }),
        cached('budget', () => startedLastHour(now)),
        cached(`breaker#${remediationId}`, () => breaker(remediationId, now)),
      ]);
      const lastRun = runs
        .map((r) => String(r['sk']))
        .sort()
        .at(-1);
      return {
        recentRuns: runs.length,
        ...(lastRun ? { lastRunAt: lastRun.split('#')[0] } : {}),
        startedLastHour: started,
        breakerOpen: b.open,
        ...(b.reason ? { breakerReason: b.reason } : {}),
      };
    },

    async claim(key, now): Promise<ClaimResult> {
      const t = now.getTime();
      const pk = claimPk(key.remediationId, key.resourceId);
      const sk = claimSk(key);
      const claimed = await conditional(() =>
        doc.send(
          new PutCommand({
            TableName,
            Item: {
              pk,
              sk,
              state: 'claimed',
              remediationId: key.remediationId,
              resourceId: key.resourceId,
              family: key.family,
              findingTime: key.findingTime,
              claimedAt: iso(t),
              ttl: epoch(t + claimTtlMs),
            },
            // A claim whose action never started (the invocation died before release) goes stale.
            ConditionExpression: 'attribute_not_exists(pk) OR (#state = :claimed AND claimedAt < :stale)',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':claimed': 'claimed', ':stale': iso(t - staleMs) },
          }),
        ),
      );
      if (!claimed) {
        const prior = await get(pk, sk);
        const executionId = typeof prior?.executionId === 'string' ? prior.executionId : undefined;
        return {
          status: 'duplicate',
          reason: `this finding (${key.remediationId} on ${key.resourceId} at ${key.findingTime}) was already handled${
            typeof prior?.claimedAt === 'string' ? ` at ${prior.claimedAt}` : ''
          }${executionId ? ` by execution ${executionId}` : ''}`,
          ...(executionId ? { executionId } : {}),
        };
      }
      const locked = await conditional(() =>
        doc.send(
          new PutCommand({
            TableName,
            Item: {
              pk: lockPk(key.remediationId, key.resourceId),
              sk: 'LOCK',
              owner: sk,
              remediationId: key.remediationId,
              resourceId: key.resourceId,
              lockedAt: iso(t),
              // Short until the action starts; recordExecution extends it.
              expiresAt: iso(t + staleMs),
              ttl: epoch(t + staleMs + DAY),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
            ExpressionAttributeValues: { ':now': iso(t) },
          }),
        ),
      );
      if (locked) return { status: 'claimed' };
      const lock = await get(lockPk(key.remediationId, key.resourceId), 'LOCK');
      const executionId = typeof lock?.executionId === 'string' ? lock.executionId : undefined;
      // This finding is covered by the execution in flight: a redelivery of it is a duplicate too.
      await doc.send(
        new UpdateCommand({
          TableName,
          Key: { pk, sk },
          UpdateExpression: executionId ? 'SET #state = :s, executionId = :e' : 'SET #state = :s',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':s': 'superseded', ...(executionId ? { ':e': executionId } : {}) },
        }),
      );
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
      await conditional(() =>
        doc.send(
          new DeleteCommand({
            TableName,
            Key: { pk: lockPk(key.remediationId, key.resourceId), sk: 'LOCK' },
            ConditionExpression: '#owner = :owner AND attribute_not_exists(executionId)',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': sk },
          }),
        ),
      );
      await conditional(() =>
        doc.send(
          new DeleteCommand({
            TableName,
            Key: { pk: claimPk(key.remediationId, key.resourceId), sk },
            ConditionExpression: '#state = :claimed',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':claimed': 'claimed' },
          }),
        ),
      );
    },

    async acquireBudget(now, limit) {
      const t = now.getTime();
      const window = iso(t).slice(0, 13);
      // ADD under a condition is atomic: N concurrent takers against `limit` get exactly `limit` slots.
      const taken = await conditional(() =>
        doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: `BUDGET#${window}`, sk: 'BUDGET' },
            UpdateExpression: 'ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl)',
            ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
            ExpressionAttributeNames: { '#n': 'n', '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':ttl': epoch(t + 3 * HOUR) },
          }),
        ),
      );
      return taken ? window : undefined;
    },

    async returnBudget(window) {
      await conditional(() =>
        doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: `BUDGET#${window}`, sk: 'BUDGET' },
            UpdateExpression: 'ADD #n :less',
            ConditionExpression: '#n > :zero',
            ExpressionAttributeNames: { '#n': 'n' },
            ExpressionAttributeValues: { ':less': -1, ':zero': 0 },
          }),
        ),
      );
    },

    async recordExecution(rec: ExecutionRecord) {
      const t = Date.parse(rec.startedAt);
      const first = await conditional(() =>
        doc.send(
          new PutCommand({
            TableName,
            Item: {
              ...rec,
              pk: execPk(rec.executionId),
              sk: 'EXEC',
              phase: 'in-flight',
              gsi1pk: 'INFLIGHT',
              gsi1sk: `${rec.startedAt}#${rec.executionId}`,
              ttl: epoch(t + outcomeTtlMs),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      // Recorded before (a retried invocation got the same execution back): count it once.
      if (!first) return;
      for (const res of rec.resourceIds) {
        const owner = claimSk({
          family: rec.family,
          findingTime: rec.findingTimes?.[res] ?? rec.findingTime,
        });
        await conditional(() =>
          doc.send(
            new UpdateCommand({
              TableName,
              Key: { pk: claimPk(rec.remediationId, res), sk: owner },
              UpdateExpression: 'SET #state = :s, executionId = :e',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeNames: { '#state': 'state' },
              ExpressionAttributeValues: { ':s': 'started', ':e': rec.executionId },
            }),
          ),
        );
        await conditional(() =>
          doc.send(
            new UpdateCommand({
              TableName,
              Key: { pk: lockPk(rec.remediationId, res), sk: 'LOCK' },
              UpdateExpression:
                'SET executionId = :e, expiresAt = :exp, #ttl = :ttl, #owner = if_not_exists(#owner, :owner), ' +
                'remediationId = :rem, resourceId = :res, lockedAt = if_not_exists(lockedAt, :at)',
              ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner OR expiresAt < :at',
              ExpressionAttributeNames: { '#owner': 'owner', '#ttl': 'ttl' },
              ExpressionAttributeValues: {
                ':e': rec.executionId,
                ':exp': iso(t + lockMs),
                ':ttl': epoch(t + lockMs + DAY),
                ':owner': owner,
                ':rem': rec.remediationId,
                ':res': res,
                ':at': rec.startedAt,
              },
            }),
          ),
        );
        await doc.send(
          new PutCommand({
            TableName,
            Item: {
              pk: `RUNS#${rec.remediationId}#${res}`,
              sk: `${rec.startedAt}#${rec.executionId}`,
              executionId: rec.executionId,
              ttl: epoch(t + windowMs + DAY),
            },
          }),
        );
      }
      await doc.send(
        new PutCommand({
          TableName,
          Item: {
            pk: hourBucket(t),
            sk: `${rec.startedAt}#${rec.executionId}`,
            executionId: rec.executionId,
            remediationId: rec.remediationId,
            ttl: epoch(t + 2 * HOUR),
          },
        }),
      );
    },

    async recordDeferral(rec: DeferralRecord) {
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
      await doc.send(
        new UpdateCommand({
          TableName,
          Key: { pk: deferPk(rec.remediationId, rec.resourceId), sk: 'DEFER' },
          // Re-deferring (the calendar closed again during a release) drops the releaser's lease.
          UpdateExpression: `SET ${sets.join(', ')} REMOVE leaseOwner, leaseUntil`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    },

    async recordOutcome(o: Outcome) {
      const t = Date.parse(o.at) || systemClock.now().getTime();
      const rem = o.remediation ?? '-';
      const res = o.resourceId ?? '-';
      await doc.send(
        new PutCommand({
          TableName,
          Item: {
            ...o,
            pk: `OUT#${res}`,
            sk: `${o.at}#${rem}#${o.eventId}#${o.outcome}`,
            gsi1pk: `REM#${rem}`,
            gsi1sk: `${o.at}#${res}`,
            ttl: epoch(t + outcomeTtlMs),
          },
        }),
      );
    },

    async getExecution(executionId) {
      const item = await get(execPk(executionId), 'EXEC');
      return item ? strip<StoredExecution>(item) : undefined;
    },

    async listInFlight(startedBefore) {
      const items = await queryAll({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p AND gsi1sk < :before',
        ExpressionAttributeValues: { ':p': 'INFLIGHT', ':before': startedBefore.toISOString() },
      });
      return items.map((i) => strip<StoredExecution>(i));
    },

    async listVerifying() {
      const items = await queryAll({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': 'VERIFYING' },
      });
      return items.map((i) => strip<StoredExecution>(i));
    },

    async transitionExecution(executionId, from: ExecutionPhase, to: ExecutionPhase, fields, now) {
      const names: Record<string, string> = { '#phase': 'phase' };
      const values: Record<string, unknown> = { ':from': from, ':to': to };
      const sets = ['#phase = :to'];
      Object.entries(fields).forEach(([k, v], i) => {
        if (v === undefined) return;
        names[`#f${i}`] = k;
        values[`:f${i}`] = v;
        sets.push(`#f${i} = :f${i}`);
      });
      let remove = '';
      if (to === 'done') remove = ' REMOVE gsi1pk, gsi1sk';
      else {
        values[':g1'] = to === 'verifying' ? 'VERIFYING' : 'INFLIGHT';
        values[':g1sk'] = `${now.toISOString()}#${executionId}`;
        sets.push('gsi1pk = :g1', 'gsi1sk = :g1sk');
      }
      return conditional(() =>
        doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: execPk(executionId), sk: 'EXEC' },
            UpdateExpression: `SET ${sets.join(', ')}${remove}`,
            ConditionExpression: '#phase = :from',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
    },

    async releaseLocks(exec) {
      for (const res of exec.resourceIds) {
        await conditional(() =>
          doc.send(
            new DeleteCommand({
              TableName,
              Key: { pk: lockPk(exec.remediationId, res), sk: 'LOCK' },
              ConditionExpression: 'executionId = :e',
              ExpressionAttributeValues: { ':e': exec.executionId },
            }),
          ),
        );
      }
    },

    async recordFinished(remediationId, executionId, result, at, reason) {
      const t = at.getTime();
      await doc.send(
        new PutCommand({
          TableName,
          Item: {
            pk: `DONE#${remediationId}`,
            sk: `${iso(t)}#${executionId}`,
            executionId,
            result,
            at: iso(t),
            reason,
            ttl: epoch(t + breakerOpts.windowMinutes * 60_000 + DAY),
          },
        }),
      );
    },

    breaker,

    async resetBreaker(remediationId, now) {
      await doc.send(
        new PutCommand({
          TableName,
          Item: { pk: `BREAKER#${remediationId}`, sk: 'RESET', resetAt: `${now.toISOString()}~` },
        }),
      );
    },

    startedLastHour,

    async listDeferrals() {
      const items = await queryAll({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': 'DEFERRED' },
      });
      return items.map((i) => strip<StoredDeferral>(i));
    },

    async leaseDeferral(remediationId, resourceId, now, seconds) {
      const lease = randomUUID();
      const t = now.getTime();
      const ok = await conditional(() =>
        doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: deferPk(remediationId, resourceId), sk: 'DEFER' },
            UpdateExpression: 'SET leaseOwner = :l, leaseUntil = :until',
            ConditionExpression:
              'attribute_exists(pk) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
            ExpressionAttributeValues: { ':l': lease, ':until': iso(t + seconds * 1000), ':now': iso(t) },
          }),
        ),
      );
      return ok ? lease : undefined;
    },

    async dropDeferral(remediationId, resourceId, lease) {
      return conditional(() =>
        doc.send(
          new DeleteCommand({
            TableName,
            Key: { pk: deferPk(remediationId, resourceId), sk: 'DEFER' },
            ConditionExpression: 'leaseOwner = :l',
            ExpressionAttributeValues: { ':l': lease },
          }),
        ),
      );
    },

    async markHoldAnnounced(remediationId, resourceId, now) {
      return conditional(() =>
        doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: deferPk(remediationId, resourceId), sk: 'DEFER' },
            UpdateExpression: 'SET announcedAt = :now',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(announcedAt)',
            ExpressionAttributeValues: { ':now': now.toISOString() },
          }),
        ),
      );
    },

    async firstNotice(o, now) {
      const trip = tripOf(o);
      if (!trip) return true;
      const hold =
        trip.kind === 'cooldown'
          ? windowMs / 1000
          : trip.kind === 'budget'
            ? HOUR / 1000
            : breakerOpts.windowMinutes * 60;
      return openTrip(trip.kind, trip.scope, now, hold, o.reason);
    },

    openTrip,

    async listTrips() {
      const items = await queryAll({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': 'TRIPS' },
      });
      return items.map((i) => strip<Trip>(i));
    },

    async closeTrip(kind, scope) {
      return conditional(() =>
        doc.send(
          new DeleteCommand({
            TableName,
            Key: { pk: tripPk(kind, scope), sk: 'TRIP' },
            ConditionExpression: 'attribute_exists(pk)',
          }),
        ),
      );
    },

    async history(q: HistoryQuery) {
      const limit = q.limit ?? 50;
      let items: Item[];
      if (q.resourceId) {
        items = await queryAll(
          {
            KeyConditionExpression: 'pk = :p',
            ExpressionAttributeValues: {
              ':p': `OUT#${q.resourceId}`,
              ...(q.remediationId ? { ':r': q.remediationId } : {}),
            },
            ...(q.remediationId ? { FilterExpression: 'remediation = :r' } : {}),
            ScanIndexForward: false,
          },
          limit,
        );
      } else if (q.remediationId) {
        items = await queryAll(
          {
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :p',
            ExpressionAttributeValues: { ':p': `REM#${q.remediationId}` },
            ScanIndexForward: false,
          },
          limit,
        );
      } else {
        throw new Error('history needs a resource id or a remediation id');
      }
      return items.map((i) => strip<Outcome>(i));
    },

    async bumpCounter(scope, key, by, ttlSeconds, now) {
      const out = await doc.send(
        new UpdateCommand({
          TableName,
          Key: { pk: `COUNTER#${scope}`, sk: key },
          UpdateExpression: 'ADD #n :by SET #ttl = :ttl, updatedAt = :at',
          ExpressionAttributeNames: { '#n': 'n', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':by': by,
            ':ttl': epoch(now.getTime() + ttlSeconds * 1000),
            ':at': now.toISOString(),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(out.Attributes?.n ?? 0);
    },

    async listCounters(scope) {
      const items = await queryAll({
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': `COUNTER#${scope}` },
      });
      return Object.fromEntries(items.map((i) => [String(i.sk), Number(i.n ?? 0)]));
    },

    async resetCounter(scope, key) {
      await doc.send(new DeleteCommand({ TableName, Key: { pk: `COUNTER#${scope}`, sk: key } }));
    },
  };
  return store;
}

/** The document client the ledger expects: undefined optional fields are dropped, not rejected. */
export function ledgerDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** The ledger's options from the parsed environment (src/config.ts). */
export function ledgerOptionsFromEnv(
  tableName: string,
  e: {
    COOLDOWN_WINDOW_HOURS: number;
    BREAKER_FAILURES: number;
    BREAKER_LAST_RUNS: number;
    BREAKER_WINDOW_MINUTES: number;
    HISTORY_TTL_DAYS: number;
    GUARD_CACHE_SECONDS?: number;
  },
): LedgerOptions {
  return {
    tableName,
    cooldownWindowHours: e.COOLDOWN_WINDOW_HOURS,
    breaker: {
      failures: e.BREAKER_FAILURES,
      lastRuns: e.BREAKER_LAST_RUNS,
      windowMinutes: e.BREAKER_WINDOW_MINUTES,
    },
    outcomeTtlDays: e.HISTORY_TTL_DAYS,
    ...(e.GUARD_CACHE_SECONDS !== undefined ? { guardCacheSeconds: e.GUARD_CACHE_SECONDS } : {}),
  };
}
