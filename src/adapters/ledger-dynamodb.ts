/**
 * The ledger: one DynamoDB table (serverless.yml `LedgerTable`: pk/sk, gsi1 = gsi1pk/gsi1sk, TTL
 * attribute `ttl`), written through one table helper (ledger-table.ts) by one adapter per thing it
 * stores, each file with its items' keys:
 *
 * - claims and locks (ledger-claims.ts): exactly-once acting, the loop guard's runs;
 * - executions and their phases (ledger-executions.ts);
 * - held work: deferrals and work waiting for a retry (ledger-held.ts);
 * - guards: the budget counter, the circuit breaker, guard trips (ledger-guards.ts), the hour's starts
 *   (ledger-starts.ts) and the admission counter (ledger-slots.ts);
 * - history: outcomes (ledger-history.ts);
 * - small counters (ledger-counters.ts).
 *
 * This file composes them into the ledger object the handlers get, and holds the two steps that span
 * several: the guards' facts (`guards`) and recording a started execution (`recordExecution`). Every
 * write that decides something is conditional; nothing needs a transaction, so multi-item steps are
 * ordered to be safe when repeated. Only GetItem, PutItem, UpdateItem, DeleteItem and Query are used
 * (what the function roles grant).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_BREAKER, type BreakerOptions } from '../core/ledger-guards.ts';
import type { LedgerStore } from '../ports/ledger-store.ts';
import type { GuardFacts } from '../ports/ledger.ts';
import { claimLedger } from './ledger-claims.ts';
import { counterLedger } from './ledger-counters.ts';
import { executionLedger } from './ledger-executions.ts';
import { guardLedger } from './ledger-guards.ts';
import { heldLedger } from './ledger-held.ts';
import { historyLedger } from './ledger-history.ts';
import { slotLedger } from './ledger-slots.ts';
import { startsLedger } from './ledger-starts.ts';
import { DAY, HOUR, ledgerTable } from './ledger-table.ts';
import { systemClock } from './system-clock.ts';

export { isConditionFailed, ledgerDocumentClient } from './ledger-table.ts';

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

export function dynamoLedger(doc: DynamoDBDocumentClient, opts: LedgerOptions): LedgerStore {
  const clockNow = opts.now ?? (() => systemClock.now().getTime());
  const table = ledgerTable(doc, opts.tableName, clockNow);
  const windowMs = (opts.cooldownWindowHours ?? 24) * HOUR;
  const outcomeTtlMs = (opts.outcomeTtlDays ?? 90) * DAY;
  const claims = claimLedger(table, {
    claimTtlMs: (opts.claimTtlDays ?? 30) * DAY,
    staleMs: (opts.claimStaleSeconds ?? 120) * 1000,
    lockMs: (opts.lockTtlHours ?? 12) * HOUR,
    windowMs,
  });
  const executions = executionLedger(table, outcomeTtlMs);
  const guards = guardLedger(table, { breaker: opts.breaker ?? DEFAULT_BREAKER, windowMs });
  const starts = startsLedger(table);

  const guardCacheMs = (opts.guardCacheSeconds ?? 0) * 1000;
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

  const { putExecution, ...executionReads } = executions;
  return {
    ...slotLedger(table),
    ...heldLedger(table, (opts.deferralTtlDays ?? 30) * DAY),
    ...historyLedger(table, outcomeTtlMs),
    ...counterLedger(table),
    ...guards,
    ...executionReads,
    ...starts,
    claim: claims.claim,
    release: claims.release,
    releaseLocks: claims.releaseLocks,

    async guards(remediationId, resourceId, now): Promise<GuardFacts> {
      // The runs themselves (a handful at most): their number is the loop guard, the newest one's
      // start tells an association failure that came after a re-apply (gates.ts, `reapplied`).
      const [runs, started, b] = await Promise.all([
        claims.runs(remediationId, resourceId, now),
        cached('budget', () => starts.startedLastHour(now)),
        cached(`breaker#${remediationId}`, () => guards.breaker(remediationId, now)),
      ]);
      const lastRun = runs.at(-1);
      return {
        recentRuns: runs.length,
        ...(lastRun ? { lastRunAt: lastRun.split('#')[0] } : {}),
        startedLastHour: started,
        breakerOpen: b.open,
        ...(b.reason ? { breakerReason: b.reason } : {}),
      };
    },

    async recordExecution(rec) {
      // Recorded before (a retried invocation got the same execution back): count it once.
      if (!(await putExecution(rec))) return;
      // The item carries its start (gsi2, ledger-starts.ts): no start item of its own.
      await claims.markStarted(rec);
    },
  };
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
