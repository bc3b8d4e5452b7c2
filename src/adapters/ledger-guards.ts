/**
 * The guards' items: the hourly budget counter (taken exactly, one conditional ADD), the circuit
 * breaker (finished executions of a remediation, and an operator's reset), and guard trips
 * (announced once per trip). The loop guard's runs are on the lock item (ledger-claims.ts) and the
 * hour's starts in ledger-starts.ts; `guards` (ledger-dynamodb.ts) reads the three together.
 *
 * | item | pk | sk | gsi1pk / gsi1sk | ttl |
 * | budget counter       | BUDGET#<hour>       | BUDGET             | —                      | 3 h |
 * | finished (breaker)   | DONE#<rem>          | <finishedAt>#<id>  | —                      | window + 1 d |
 * | breaker reset marker | BREAKER#<rem>       | RESET              | —                      | — |
 * | guard trip           | TRIP#<kind>#<scope> | TRIP               | TRIPS / <kind>#<scope> | expiresAt + 1 d |
 */
import { evaluateBreaker, tripOf, type BreakerOptions, type FinishedRun } from '../core/ledger-guards.ts';
import type { LedgerStore, Trip, TripKind } from '../ports/ledger-store.ts';
import type { LedgerPort } from '../ports/ledger.ts';
import { DAY, epoch, HOUR, iso, strip, type LedgerTable } from './ledger-table.ts';

const tripPk = (kind: TripKind, scope: string): string => `TRIP#${kind}#${scope}`;

export type GuardLedger = Pick<LedgerPort, 'acquireBudget' | 'returnBudget'> &
  Pick<
    LedgerStore,
    'recordFinished' | 'breaker' | 'resetBreaker' | 'firstNotice' | 'openTrip' | 'listTrips' | 'closeTrip'
  >;

export function guardLedger(
  table: LedgerTable,
  o: { breaker: BreakerOptions; windowMs: number },
): GuardLedger {
  const b = o.breaker;
  const openTrip: GuardLedger['openTrip'] = (kind, scope, now, holdSeconds, reason) => {
    const t = now.getTime();
    return table.put({
      Item: {
        pk: tripPk(kind, scope),
        sk: 'TRIP',
        gsi1pk: 'TRIPS',
        gsi1sk: `${kind}#${scope}`,
        kind,
        scope,
        openedAt: iso(t),
        expiresAt: iso(t + holdSeconds * 1000),
        reason,
        ttl: epoch(t + holdSeconds * 1000 + DAY),
      },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': iso(t) },
    });
  };
  return {
    async acquireBudget(now, limit) {
      const t = now.getTime();
      const window = iso(t).slice(0, 13);
      // ADD under a condition is atomic: N concurrent takers against `limit` get exactly `limit` slots.
      const taken = await table.update({
        Key: { pk: `BUDGET#${window}`, sk: 'BUDGET' },
        UpdateExpression: 'ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl)',
        ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
        ExpressionAttributeNames: { '#n': 'n', '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':ttl': epoch(t + 3 * HOUR) },
      });
      return taken ? window : undefined;
    },

    async returnBudget(window) {
      await table.update({
        Key: { pk: `BUDGET#${window}`, sk: 'BUDGET' },
        UpdateExpression: 'ADD #n :less',
        ConditionExpression: '#n > :zero',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: { ':less': -1, ':zero': 0 },
      });
    },

    async recordFinished(remediationId, executionId, result, at, reason) {
      const t = at.getTime();
      await table.put({
        Item: {
          pk: `DONE#${remediationId}`,
          sk: `${iso(t)}#${executionId}`,
          executionId,
          result,
          at: iso(t),
          reason,
          ttl: epoch(t + b.windowMinutes * 60_000 + DAY),
        },
      });
    },

    async breaker(remediationId, now) {
      const t = now.getTime();
      const reset = await table.get(`BREAKER#${remediationId}`, 'RESET');
      const windowStart = iso(t - b.windowMinutes * 60_000);
      const from =
        typeof reset?.resetAt === 'string' && reset.resetAt > windowStart ? reset.resetAt : windowStart;
      const items = await table.query(
        {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': `DONE#${remediationId}`, ':from': from, ':to': `${iso(t)}~` },
          ScanIndexForward: false,
          Limit: b.lastRuns,
          ConsistentRead: true,
        },
        b.lastRuns,
      );
      return evaluateBreaker(
        items.map((i) => strip<FinishedRun>(i)),
        b,
      );
    },

    async resetBreaker(remediationId, now) {
      await table.put({
        Item: { pk: `BREAKER#${remediationId}`, sk: 'RESET', resetAt: `${now.toISOString()}~` },
      });
    },

    async firstNotice(outcome, now) {
      const trip = tripOf(outcome);
      if (!trip) return true;
      const hold =
        trip.kind === 'cooldown'
          ? o.windowMs / 1000
          : trip.kind === 'budget'
            ? HOUR / 1000
            : b.windowMinutes * 60;
      return openTrip(trip.kind, trip.scope, now, hold, outcome.reason);
    },

    openTrip,

    async listTrips() {
      const items = await table.query({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': 'TRIPS' },
      });
      return items.map((i) => strip<Trip>(i));
    },

    closeTrip: (kind, scope) =>
      table.remove({
        Key: { pk: tripPk(kind, scope), sk: 'TRIP' },
        ConditionExpression: 'attribute_exists(pk)',
      }),
  };
}
