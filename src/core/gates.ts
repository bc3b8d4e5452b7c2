/**
 * The gates, in order, as pure functions of the finding and its facts. The first gate that does
 * not pass decides the outcome; `remediator plan` prints every gate's decision.
 */
import type { GuardFacts } from '../ports/index.ts';
import { classify } from './agent-health.ts';
import type { Remediation } from './remediation.ts';
import type { DeferCode, Facts, Finding, SkipReason } from '../model/types.ts';

export interface Limits {
  /** Loop guard: at most this many runs of one remediation on one resource within the window. */
  cooldownMaxRuns: number;
  cooldownWindowHours: number;
  /** Blast radius: executions started account-wide per rolling hour. */
  budgetPerHour: number;
  /** The resource tag that opts a resource out. */
  optOutTag: string;
  /** An Online agent whose last ping is older than this many minutes is stale (AGENT_STALE_MINUTES). */
  agentStaleMinutes: number;
}

export const DEFAULT_LIMITS: Limits = {
  cooldownMaxRuns: 3,
  cooldownWindowHours: 24,
  budgetPerHour: 50,
  optOutTag: 'remediation:skip',
  agentStaleMinutes: 15,
};

export type GateName =
  | 'kill-switch'
  | 'mode'
  | 'agent-state'
  | 'opt-out'
  | 'reapplied'
  | 'cooldown'
  | 'circuit-breaker'
  | 'budget'
  | 'calendar';

/** One gate's decision: it passes, or it stops the remediation with a skip or a hold (deferred). */
export type GateDecision = { gate: GateName; reason: string } & (
  | { pass: true }
  | { pass: false; outcome: 'skipped'; code: SkipReason }
  | {
      pass: false;
      outcome: 'deferred';
      code: Extract<DeferCode, 'calendar-closed' | 'budget'>;
      nextTransitionTime?: string;
    }
);

/** A gate that stopped the remediation. */
export type GateStop = Extract<GateDecision, { pass: false }>;

export interface GateInput {
  remediation: Remediation;
  finding: Finding;
  facts: Facts;
  guards: GuardFacts;
  limits: Limits;
}

type Gate = (i: GateInput) => GateDecision;

const killSwitch: Gate = ({ facts }) =>
  facts.killSwitch
    ? {
        gate: 'kill-switch',
        pass: false,
        outcome: 'skipped',
        code: 'kill-switch',
        reason: 'global kill switch is on',
      }
    : { gate: 'kill-switch', pass: true, reason: 'kill switch is off' };

const mode: Gate = ({ facts }) =>
  facts.mode === 'off'
    ? { gate: 'mode', pass: false, outcome: 'skipped', code: 'disabled', reason: 'remediation mode is off' }
    : { gate: 'mode', pass: true, reason: `mode is ${facts.mode}` };

/**
 * An agent.disconnected finding is only a claim: anyone who may put events on the default bus can
 * forge one. Act only if SSM itself (DescribeInstanceInformation, read by the engine) says the agent
 * is not Online, or Online with a last ping older than the stale threshold.
 */
const agentState: Gate = ({ finding, facts, limits }) => {
  if (finding.family !== 'agent.disconnected') {
    return { gate: 'agent-state', pass: true, reason: 'not an agent finding' };
  }
  const i = facts.instances?.[finding.resourceId];
  const ping = i?.pingStatus ?? 'Unknown';
  const last = i?.lastPingDateTime ? `, last ping ${i.lastPingDateTime}` : '';
  if (i && classify(i, new Date(facts.now), limits.agentStaleMinutes).healthy === true) {
    return {
      gate: 'agent-state',
      pass: false,
      outcome: 'skipped',
      code: 'agent-online',
      reason: `SSM reports the agent on ${finding.resourceId} Online${last} (within ${limits.agentStaleMinutes} min): the disconnect is not borne out, nothing done`,
    };
  }
  return {
    gate: 'agent-state',
    pass: true,
    reason: `SSM reports the agent on ${finding.resourceId} ${ping}${last}`,
  };
};

/** `remediation:skip` = `[YYYY-MM-DD[Thh:mm[:ss]Z]] [reason]`: opted out until the date (or for good), for the reason. */
export function parseOptOut(value: string, now: Date): { active: boolean; until?: string; reason: string } {
  const m = /^\s*(\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?)?[\s;:,-]*(.*)$/.exec(value)!;
  const until = m[1];
  const reason = (m[2] ?? '').trim() || 'no reason given';
  if (until) {
    const end = new Date(until.length === 10 ? `${until}T23:59:59Z` : until);
    if (Number.isNaN(end.getTime())) return { active: true, reason: `${reason} (unreadable date ${until})` };
    return { active: end.getTime() >= now.getTime(), until, reason };
  }
  return { active: true, reason };
}

const optOut: Gate = ({ facts, limits }) => {
  const value = facts.tags[limits.optOutTag];
  if (value === undefined) return { gate: 'opt-out', pass: true, reason: `no ${limits.optOutTag} tag` };
  const o = parseOptOut(value, new Date(facts.now));
  if (!o.active)
    return { gate: 'opt-out', pass: true, reason: `opt-out expired on ${o.until} (${o.reason})` };
  return {
    gate: 'opt-out',
    pass: false,
    outcome: 'skipped',
    code: 'opted-out',
    reason: `resource opted out by tag ${limits.optOutTag}${o.until ? ` until ${o.until}` : ''}: ${o.reason}`,
  };
};

/**
 * association.failed: a State Manager association is re-applied once. A failed run from before the
 * service's last re-apply (within the cooldown window) is the one already re-applied (the other event
 * of the pair AWS sends); one after it means the association failed again: escalated, not retried.
 */
const reapplied: Gate = ({ finding, guards, limits }) => {
  if (finding.family !== 'association.failed')
    return { gate: 'reapplied', pass: true, reason: 'not an association finding' };
  const last = guards.lastRunAt;
  if (!last)
    return {
      gate: 'reapplied',
      pass: true,
      reason: `not re-applied on ${finding.resourceId} in the last ${limits.cooldownWindowHours} h`,
    };
  if (Date.parse(finding.orderingTime) <= Date.parse(last))
    return {
      gate: 'reapplied',
      pass: false,
      outcome: 'skipped',
      code: 'duplicate',
      reason: `the failed run at ${finding.orderingTime} on ${finding.resourceId} was already re-applied at ${last}`,
    };
  return {
    gate: 'reapplied',
    pass: false,
    outcome: 'skipped',
    code: 'failed-again',
    reason: `State Manager association on ${finding.resourceId} failed again at ${finding.orderingTime}, after it was re-applied at ${last} (within ${limits.cooldownWindowHours} h): escalated, not retried; look at the association's output on the instance`,
  };
};

const cooldown: Gate = ({ guards, limits }) =>
  guards.recentRuns >= limits.cooldownMaxRuns
    ? {
        gate: 'cooldown',
        pass: false,
        outcome: 'skipped',
        code: 'cooldown',
        reason: `already remediated ${guards.recentRuns} times in ${limits.cooldownWindowHours} h (limit ${limits.cooldownMaxRuns}); something keeps undoing the fix`,
      }
    : {
        gate: 'cooldown',
        pass: true,
        reason: `${guards.recentRuns} of ${limits.cooldownMaxRuns} runs in ${limits.cooldownWindowHours} h`,
      };

const breaker: Gate = ({ guards }) =>
  guards.breakerOpen
    ? {
        gate: 'circuit-breaker',
        pass: false,
        outcome: 'skipped',
        code: 'circuit-open',
        reason: `circuit breaker open: ${guards.breakerReason ?? 'recent executions failed'}`,
      }
    : { gate: 'circuit-breaker', pass: true, reason: 'circuit closed' };

/** Work over the budget is held (deferred), never dropped: the sweep starts it as the window allows. */
const budget: Gate = ({ guards, limits }) =>
  guards.startedLastHour >= limits.budgetPerHour
    ? {
        gate: 'budget',
        pass: false,
        outcome: 'deferred',
        code: 'budget',
        reason: `account budget spent: ${guards.startedLastHour} executions started in the last hour (limit ${limits.budgetPerHour}); held until the budget allows`,
      }
    : {
        gate: 'budget',
        pass: true,
        reason: `${guards.startedLastHour} of ${limits.budgetPerHour} executions this hour`,
      };

const calendar: Gate = ({ facts, remediation }) => {
  const c = facts.calendar;
  const names = c.calendars.length ? `change calendar ${c.calendars.join(', ')}` : 'the change calendar';
  // Fail closed: relying on the stage default, and the stage has none (set by the engine).
  if (c.unset) {
    return {
      gate: 'calendar',
      pass: false,
      outcome: 'skipped',
      code: 'no-calendar',
      reason: `no change calendar applies to ${remediation.id} (the stage has no defaultCalendars and it names none): not acted on`,
    };
  }
  if (c.state === 'OPEN') {
    return {
      gate: 'calendar',
      pass: true,
      reason: c.calendars.length ? `${names} is OPEN` : 'no change calendar applies',
    };
  }
  const until = c.nextTransitionTime ? ` until ${c.nextTransitionTime}` : '';
  if (remediation.whenClosed === 'skip') {
    return {
      gate: 'calendar',
      pass: false,
      outcome: 'skipped',
      code: 'calendar-closed',
      reason: `${names} is CLOSED${until}; this remediation skips rather than waits`,
    };
  }
  return {
    gate: 'calendar',
    pass: false,
    outcome: 'deferred',
    code: 'calendar-closed',
    reason: `${names} is CLOSED; deferred${until}`,
    ...(c.nextTransitionTime ? { nextTransitionTime: c.nextTransitionTime } : {}),
  };
};

export const GATES: readonly Gate[] = [
  killSwitch,
  mode,
  agentState,
  optOut,
  reapplied,
  cooldown,
  breaker,
  budget,
  calendar,
];

/** Every gate's decision up to and including the first that stops the remediation. */
export function evaluateGates(input: GateInput): GateDecision[] {
  const decisions: GateDecision[] = [];
  for (const gate of GATES) {
    const d = gate(input);
    decisions.push(d);
    if (!d.pass) break;
  }
  return decisions;
}
