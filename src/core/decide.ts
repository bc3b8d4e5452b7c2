/**
 * The whole decision for one (finding, remediation), as a pure function: gates, then the plan,
 * then the mode. Shadow mode runs everything and reports what it would have done.
 */
import { ValidationError, errorMessage } from '../model/errors.ts';
import { evaluateGates, type GateDecision, type GateInput, type GateStop } from './gates.ts';
import type { PlanContext } from './remediation.ts';
import type { Action, CallAction, DecidedOutcome, SkipAction } from '../model/types.ts';

export interface Decision {
  gates: GateDecision[];
  /** `act`: carry out `actions`. Otherwise the outcome is final and nothing is done. */
  verdict: 'act' | 'stop';
  outcome: DecidedOutcome;
  actions: Action[];
}

export function decide(input: GateInput, ctx: PlanContext): Decision {
  const { remediation, finding, facts } = input;
  const base = {
    eventId: finding.eventId,
    remediation: remediation.id,
    family: finding.family,
    resourceType: finding.resourceType,
    resourceId: finding.resourceId,
    account: finding.account,
    region: finding.region,
    mode: facts.mode,
  };
  const gates = evaluateGates(input);
  /** A final outcome: nothing is carried out, `actions` is what the plan said (for the report). */
  const stopWith = (actions: Action[], o: StopOutcome): Decision => ({
    gates,
    verdict: 'stop',
    actions,
    outcome: { ...base, ...o, actions } as DecidedOutcome,
  });
  const stop = gates.find((g): g is GateStop => !g.pass);
  if (stop) {
    return stopWith(
      [],
      stop.outcome === 'deferred'
        ? {
            outcome: 'deferred',
            code: stop.code,
            reason: stop.reason,
            ...(stop.nextTransitionTime ? { nextTransitionTime: stop.nextTransitionTime } : {}),
          }
        : { outcome: 'skipped', code: stop.code, reason: stop.reason },
    );
  }

  let planned: Action[];
  try {
    planned = remediation.plan(finding, facts, ctx);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return stopWith([], {
      outcome: 'rejected',
      code: 'invalid-parameters',
      field: e.field,
      reason: errorMessage(e),
    });
  }

  // The contract (types.ts PlanResult): SSM calls, or one skip. A plan that mixes them is a bug in
  // the remediation: rejected, never half carried out.
  const calls = planned.filter(
    (a): a is CallAction => a.kind === 'startAutomation' || a.kind === 'sendCommand',
  );
  const skip = planned.find((a): a is SkipAction => a.kind === 'skip');
  if (skip && calls.length > 0) {
    return stopWith(planned, {
      outcome: 'rejected',
      code: 'invalid-parameters',
      field: 'plan()',
      reason: `${remediation.id}: the plan returned both SSM calls and a skip; a plan returns calls or one skip`,
    });
  }
  if (calls.length === 0) {
    return stopWith(planned, {
      outcome: 'skipped',
      reason: skip?.reason ?? 'the plan has nothing to do',
      ...(skip ? { code: skip.code } : {}),
    });
  }

  if (facts.mode === 'shadow') {
    return stopWith(planned, {
      outcome: 'skipped',
      code: 'shadow',
      reason: `shadow mode: would ${describe(calls)}`,
    });
  }
  if (facts.mode === 'approve') {
    // Held until an approver says yes (src/core/approval.ts); the engine asks for the approval.
    return stopWith(planned, {
      outcome: 'deferred',
      code: 'approval',
      reason: `waiting for approval: would ${describe(calls)}`,
    });
  }
  return {
    gates,
    verdict: 'act',
    actions: planned,
    outcome: { ...base, outcome: 'started', reason: describe(calls), actions: planned },
  };
}

/** What a stop says: one outcome kind and the fields it carries (the decision adds the finding's). */
type StopOutcome =
  | { outcome: 'skipped'; code?: SkipAction['code'] | undefined; reason: string }
  | {
      outcome: 'deferred';
      /** `approval`: mode `approve`, held until an approver answers (src/core/approval-engine.ts). */
      code: Extract<GateStop, { outcome: 'deferred' }>['code'] | 'approval';
      reason: string;
      nextTransitionTime?: string;
    }
  | { outcome: 'rejected'; code: 'invalid-parameters'; field?: string; reason: string };

export function describe(actions: Action[]): string {
  return actions
    .map((a) =>
      a.kind === 'startAutomation'
        ? `start Automation ${a.document}`
        : a.kind === 'sendCommand'
          ? `send ${a.document} to ${a.instanceIds.length} instance(s)`
          : a.kind,
    )
    .join(', ');
}
