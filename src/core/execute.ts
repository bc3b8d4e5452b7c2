/**
 * The one executor: carries out an acting plan (`act-plan.ts`) whose findings are claimed. Takes one
 * budget slot (an exact conditional counter), then one admission slot per Automation start (the
 * service's share of SSM's quota, src/core/admission.ts), makes the plan's SSM calls in order, records each
 * execution the moment SSM takes it, and ends every finding of the plan in one outcome: `started`,
 * `failed` (a permanent AWS error, named), or held (nothing started; claims freed so a retry may
 * act). Held work goes to the ledger, or back to its queue when the caller asks (the fan-out).
 * Outcomes are recorded and announced by the caller through `announce.ts`.
 */
import type { AutomationPort, ClaimKey, CommandPort, LedgerPort, LogPort } from '../ports/index.ts';
import { admissionReason, slotsNeeded, type AdmissionLimits } from './admission.ts';
import { executionRecord, type ActingPlan, type PlanMember, type PlannedCall } from './act-plan.ts';
import { TransientError, classifyActionError, errorMessage, errorName } from '../model/errors.ts';
import type { Limits } from './gates.ts';
import { holdRecord } from './hold.ts';
import type { Remediation } from './remediation.ts';
import { outcomeBase, type Finding, type HoldCode, type Outcome } from '../model/types.ts';

export interface ExecuteDeps {
  config: {
    defaultCalendars: string[];
    limits: Pick<Limits, 'budgetPerHour'>;
    /** The service's share of SSM's Automation quota (src/core/admission.ts); unset: no admission. */
    admission?: AdmissionLimits;
  };
  automation: AutomationPort;
  commands: CommandPort;
  ledger: LedgerPort;
  log: LogPort;
  now: () => Date;
  /**
   * After admission slots of starts that did not happen were given back: wakes held admission work
   * as a completion does (the remediate function's `Admission Slot Freed`, src/core/admission-release.ts).
   * Unset (the reconcile function, which is itself the release pass): the next signal or sweep takes them.
   */
  slotsReturned?: (slots: number) => Promise<unknown>;
}

/** The held item a release replays (its tries so far drive the backoff of the next hold). */
export interface HeldContext {
  attempts?: number;
  /**
   * Admission slots the release pass already took (src/core/admission-pass.ts), shared by the items it
   * releases: a plan takes its slots from here instead of the counter, and the pass gives back what no
   * plan took.
   */
  slots?: { n: number };
}

export interface ExecuteOptions {
  /**
   * Where work goes that did not start for a transient reason (the budget counter unreadable, SSM
   * busy): `hold` keeps it in the ledger (the reconcile sweep releases it), `redeliver` frees its
   * claims and hands it back, so the queue it came from delivers it again. Budget and admission
   * holds always go to the ledger.
   */
  transient: 'hold' | 'redeliver';
  held?: HeldContext;
}

export interface ExecuteResult {
  /** One per member, except members handed back for redelivery. */
  outcomes: Outcome[];
  redeliver: PlanMember[];
  /** Executions SSM took, in call order. */
  started: { call: PlannedCall; executionId: string }[];
}

export function claimKey(r: Remediation, finding: Finding): ClaimKey {
  return {
    remediationId: r.id,
    resourceId: finding.resourceId,
    findingTime: finding.orderingTime,
    family: finding.family,
  };
}

/** Claims (remediation, resource, finding) before acting: a duplicate ends `skipped` (throws if the ledger fails). */
export async function claimOrSkip(
  m: Pick<PlanMember, 'finding' | 'remediation'>,
  base: Outcome,
  deps: Pick<ExecuteDeps, 'ledger' | 'now'>,
): Promise<Outcome | undefined> {
  const claim = await deps.ledger.claim(claimKey(m.remediation, m.finding), deps.now());
  if (claim.status !== 'duplicate') return undefined;
  return {
    ...outcomeBase(base),
    at: base.at,
    outcome: 'skipped',
    code: 'duplicate',
    reason: claim.reason,
    ...(claim.executionId ? { executionId: claim.executionId } : {}),
  };
}

const budgetSpent = (limit: number) =>
  `account budget spent: ${limit} executions already started this hour (limit ${limit}); held until the budget allows`;

/** Carries out one plan whose members are claimed. Throws only if held work cannot be kept anywhere. */
export async function executePlan(
  plan: ActingPlan,
  deps: ExecuteDeps,
  opts: ExecuteOptions,
): Promise<ExecuteResult> {
  const result: ExecuteResult = { outcomes: [], redeliver: [], started: [] };
  const at = (m: PlanMember) => m.outcome.at ?? deps.now().toISOString();
  /** A member's final outcome: started (the decision's, with the execution), failed or held. */
  const end = (
    m: PlanMember,
    o:
      | { outcome: 'started'; reason?: string; executionId?: string }
      | { outcome: 'failed'; code: 'api-error'; reason: string }
      | { outcome: 'deferred'; code: HoldCode; reason: string },
  ): Outcome => ({ ...outcomeBase(m.outcome), at: at(m), ...o });
  const limit = deps.config.limits.budgetPerHour;

  // The budget is exact: one conditional counter per clock hour, one slot per plan, taken before acting.
  let slot: string | undefined;
  try {
    slot = await deps.ledger.acquireBudget(deps.now(), limit);
  } catch (e) {
    await notStarted(plan, 'gate-unreadable', `ledger budget could not be read: ${errorMessage(e)}`);
    return result;
  }
  if (!slot) {
    await notStarted(plan, 'budget', budgetSpent(limit));
    return result;
  }
  const budgetBack = (window: string) =>
    deps.ledger
      .returnBudget(window)
      .catch((err: unknown) => deps.log.warn('budget slot not returned', { error: errorMessage(err) }));

  // Admission: one slot per Automation start, within the service's share of SSM's quota.
  const admission = deps.config.admission;
  const want = admission && deps.ledger.acquireSlots ? slotsNeeded(plan.calls) : 0;
  if (want > 0) {
    let admitted: boolean;
    const taken = opts.held?.slots;
    try {
      if (taken && taken.n >= want) {
        // Slots the release pass took for held work: this plan's now (given back below if it does not start).
        taken.n -= want;
        admitted = true;
      } else admitted = await deps.ledger.acquireSlots!(want, admission!.open, deps.now());
    } catch (e) {
      await budgetBack(slot);
      await notStarted(plan, 'gate-unreadable', `admission counter could not be read: ${errorMessage(e)}`);
      return result;
    }
    if (!admitted) {
      await budgetBack(slot);
      await notStarted(plan, 'admission', admissionReason(admission!, want));
      return result;
    }
  }
  try {
    for (const call of plan.calls) {
      const executionId = await start(call, deps);
      result.started.push({ call, executionId });
      // A failed ledger write here is not a failed start: the execution runs, keeps its slots and
      // budget, and the reconcile sweep finds it by its tags (src/core/recovery.ts).
      await recordExecution(plan, call, executionId, deps);
    }
  } catch (e) {
    await budgetBack(slot);
    // The slots of the starts that did not happen (those that did are released when they end).
    const unstarted = want - slotsNeeded(result.started.map((x) => x.call));
    if (unstarted > 0)
      await deps.ledger.returnSlots?.(unstarted).then(
        () => deps.slotsReturned?.(unstarted),
        (err: unknown) =>
          deps.log.warn('admission slots not returned; the sweep re-derives the counter', {
            slots: unstarted,
            error: errorMessage(err),
          }),
      );
    if (classifyActionError(e) === 'transient') {
      await notStarted(
        plan,
        'transient-error',
        `SSM did not take it for now (${errorName(e)}: ${errorMessage(e)}); held and tried again`,
      );
      return result;
    }
    for (const m of plan.members)
      result.outcomes.push(
        end(m, { outcome: 'failed', code: 'api-error', reason: `${errorName(e)}: ${errorMessage(e)}` }),
      );
    return result;
  }
  const last = result.started.at(-1);
  for (const m of plan.members) {
    if (!plan.shared) {
      result.outcomes.push(
        end(m, { outcome: 'started', ...(last ? { executionId: last.executionId } : {}) }),
      );
      continue;
    }
    const { request, resourceIds } = plan.calls[0]!;
    result.outcomes.push(
      end(m, {
        outcome: 'started',
        reason: `sent ${request.document} to ${resourceIds.length} instance(s) in command ${last!.executionId}`,
        executionId: last!.executionId,
      }),
    );
  }
  return result;

  /** Nothing started: free the claims, then hold the work (ledger) or hand it back (queue). */
  async function notStarted(p: ActingPlan, code: HoldCode, reason: string): Promise<void> {
    const back = opts.transient === 'redeliver' && code !== 'budget' && code !== 'admission';
    if (back)
      deps.log.warn('nothing started; the records will be redelivered', {
        remediation: p.remediationId,
        findings: p.members.length,
        reason,
      });
    for (const m of p.members) {
      await deps.ledger.release(claimKey(m.remediation, m.finding)).catch(() => undefined);
      if (back) {
        result.redeliver.push(m);
        continue;
      }
      const o = end(m, { outcome: 'deferred', code, reason });
      try {
        await hold(m.finding, m.remediation, o, code, deps, opts.held);
      } catch (e) {
        if (opts.transient === 'hold') throw e;
        result.redeliver.push(m);
        continue;
      }
      result.outcomes.push(o);
    }
  }
}

async function start(call: PlannedCall, deps: ExecuteDeps): Promise<string> {
  if (call.kind === 'automation') return (await deps.automation.start(call.request)).executionId;
  return (await deps.commands.send(call.request)).commandId;
}

async function recordExecution(
  plan: ActingPlan,
  call: PlannedCall,
  executionId: string,
  deps: ExecuteDeps,
): Promise<void> {
  try {
    await deps.ledger.recordExecution(executionRecord(plan, call, executionId, deps.now().toISOString()));
  } catch (e) {
    // The execution is running and tagged; the reconcile sweep finds it by tag. Say so loudly.
    deps.log.error('execution started but not recorded in the ledger', {
      executionId,
      remediation: plan.remediationId,
      resources: call.resourceIds.length,
      error: errorMessage(e),
    });
  }
}

/**
 * Keeps work that cannot go on now in the ledger until it ends. If the ledger cannot take it, this
 * throws (TransientError): Lambda's retries, its on-failure queue or SQS redelivery hold it instead.
 * Never only a log line.
 */
export async function hold(
  finding: Finding,
  r: Remediation,
  o: Outcome,
  code: HoldCode,
  deps: Pick<ExecuteDeps, 'config' | 'ledger' | 'log' | 'now'>,
  held: HeldContext | undefined,
): Promise<void> {
  const calendars = r.calendars ?? deps.config.defaultCalendars;
  const rec = holdRecord(finding, r, o, code, calendars, (held?.attempts ?? 0) + 1, deps.now());
  try {
    await deps.ledger.recordDeferral(rec);
  } catch (e) {
    deps.log.error('held work could not be saved in the ledger; the invocation fails so it is retried', {
      eventId: finding.eventId,
      remediation: r.id,
      resourceId: finding.resourceId,
      code,
      error: errorMessage(e),
    });
    throw new TransientError(
      `could not hold ${r.id} on ${finding.resourceId} (${code}) in the ledger: ${errorMessage(e)}`,
      { cause: e },
    );
  }
}
