/**
 * The whole decision for one (finding, remediation), as a pure function: gates, then the plan,
 * then the mode. Shadow mode runs everything and reports what it would have done.
 */
import { ValidationError, errorMessage } from './errors.ts';
import { evaluateGates, type GateDecision, type GateInput } from './gates.ts';
import type { PlanContext } from './remediation.ts';
import type { Action, Outcome } from './types.ts';

export interface Decision {
  gates: GateDecision[];
  /** `act`: carry out `actions`. Otherwise the outcome is final and nothing is done. */
  verdict: 'act' | 'stop';
  outcome: Omit<Outcome, 'at'>;
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
  const stopWith = (
    actions: Action[],
    o: Omit<Decision['outcome'], keyof typeof base | 'actions'>,
  ): Decision => ({
    gates,
    verdict: 'stop',
    actions,
    outcome: { ...base, ...o, actions },
  });
  const stop = gates.find((g) => !g.pass);
  if (stop) {
    return stopWith([], {
      outcome: stop.outcome ?? 'skipped',
      code: stop.code,
      reason: stop.reason,
      ...(stop.nextTransitionTime ? { nextTransitionTime: stop.nextTransitionTime } : {}),
    });
  }

  let actions: Action[];
  try {
    actions = remediation.plan(finding, facts, ctx);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return stopWith([], {
      outcome: 'rejected',
      code: 'invalid-parameters',
      field: e.field,
      reason: errorMessage(e),
    });
  }

  const acting = actions.filter((a) => a.kind === 'startAutomation' || a.kind === 'sendCommand');
  const skip = actions.find((a): a is Extract<Action, { kind: 'skip' }> => a.kind === 'skip');
  const defer = actions.find((a): a is Extract<Action, { kind: 'defer' }> => a.kind === 'defer');
  if (acting.length === 0) {
    const reason = skip?.reason ?? defer?.reason ?? 'the plan has nothing to do';
    return stopWith(actions, {
      outcome: defer ? 'deferred' : 'skipped',
      reason,
      ...(!defer && skip?.code ? { code: skip.code } : {}),
      ...(defer?.until ? { nextTransitionTime: defer.until } : {}),
    });
  }

  if (facts.mode === 'shadow') {
    return stopWith(actions, {
      outcome: 'skipped',
      code: 'shadow',
      reason: `shadow mode: would ${describe(acting)}`,
    });
  }
  if (facts.mode === 'approve') {
    // Held until an approver says yes (src/core/approval.ts); the engine asks for the approval.
    return stopWith(actions, {
      outcome: 'deferred',
      code: 'approval',
      reason: `waiting for approval: would ${describe(acting)}`,
    });
  }
  return {
    gates,
    verdict: 'act',
    actions,
    outcome: { ...base, outcome: 'started', reason: describe(acting), actions },
  };
}

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
