/**
 * Guard resets, announced by the reconcile sweep: the account budget available again, a circuit
 * breaker closed; expired loop-guard trips close quietly. Run by the reconcile sweep (src/core/reconcile.ts).
 */
import { guardOutcome, guardTitle, report } from './completion.ts';
import type { ReconcileDeps } from './reconcile.ts';
import { errorMessage } from '../model/errors.ts';

/** Announces budget and circuit-breaker resets; lets expired loop-guard trips go quietly. */
export async function guardResets(deps: ReconcileDeps): Promise<string[]> {
  const now = deps.now();
  const resets: string[] = [];
  for (const t of await deps.ledger.listTrips()) {
    try {
      if (t.kind === 'budget') {
        const used = await deps.ledger.startedLastHour(now);
        const limit = deps.config.limits.budgetPerHour;
        if (used >= limit || !(await deps.ledger.closeTrip(t.kind, t.scope))) continue;
        const waiting = (await deps.ledger.listDeferrals()).filter((d) => d.code === 'budget').length;
        await report(
          [
            guardOutcome(
              'budget',
              t.scope,
              'reset',
              `account budget available again: ${used} of ${limit} executions in the last hour; ${waiting} finding(s) held over the budget are released as it allows`,
              now,
            ),
          ],
          deps,
          guardTitle('budget', t.scope, 'reset'),
        );
        resets.push(`budget:${t.scope}`);
      } else if (t.kind === 'circuit-open') {
        const b = await deps.ledger.breaker(t.scope, now);
        if (b.open || !(await deps.ledger.closeTrip(t.kind, t.scope))) continue;
        await report(
          [
            guardOutcome(
              'circuit-open',
              t.scope,
              'reset',
              `circuit breaker closed: ${b.failures} of the last ${b.considered} finished executions failed; findings are acted on again`,
              now,
            ),
          ],
          deps,
          guardTitle('circuit-open', t.scope, 'reset'),
        );
        resets.push(`circuit-open:${t.scope}`);
      } else if (t.expiresAt < now.toISOString()) {
        if (await deps.ledger.closeTrip(t.kind, t.scope)) resets.push(`cooldown:${t.scope}`);
      }
    } catch (e) {
      deps.log.warn('guard reset check failed', { kind: t.kind, scope: t.scope, error: errorMessage(e) });
    }
  }
  return resets;
}
