/**
 * A dry run makes no AWS call: facts come from the caller (CLI flags, a remediation's example) with
 * sensible defaults. `remediator plan`, the runbook examples and `remediator check` all use it.
 */
import { NotAFindingError, parseFinding } from '../events/finding.ts';
import type { GuardFacts } from '../ports/index.ts';
import { decide } from './decide.ts';
import { ValidationError } from '../model/errors.ts';
import {
  EXAMPLE_STAGE_CALENDARS,
  assembleFacts,
  factRequest,
  type FactRequest,
  type Readings,
} from './facts.ts';
import { DEFAULT_LIMITS, type GateDecision, type Limits } from './gates.ts';
import type { Registry } from './registry.ts';
import { appliesTo, type ExampleFacts, type Remediation, type RemediationExample } from './remediation.ts';
import type { Action, Facts, Finding, Outcome, OutcomeCode } from '../model/types.ts';

/**
 * Example facts, plus ledger guards and stage settings. `mode` unset: each remediation's default mode;
 * `defaultCalendars` unset: the sandbox stage's (EXAMPLE_STAGE_CALENDARS).
 */
export interface DryRunFacts extends ExampleFacts {
  guards?: Partial<GuardFacts>;
  assumeRoleArn?: string;
  now?: string;
  limits?: Partial<Limits>;
}

export interface DryRunRemediation {
  id: string;
  title: string;
  outcome: Outcome['outcome'];
  code?: OutcomeCode;
  reason: string;
  field?: string;
  gates: GateDecision[];
  actions: Action[];
}

export interface DryRunResult {
  /** `ignored`: a well-formed event that is not a finding, e.g. 'not a finding (Calendar State Change)'. */
  event: { id: string; valid: boolean; ignored?: string; error?: string; field?: string };
  finding?: Finding;
  remediations: DryRunRemediation[];
}

/**
 * The dry run's readings for a request (src/core/facts.ts): what the caller says, else the defaults
 * (calendar OPEN, no tags, the agent Online, or ConnectionLost for an agent finding; the event's own
 * association only; an empty ledger). Only what the request names is given, as the engine reads it.
 */
export function dryRunReadings(finding: Finding, req: FactRequest, f: DryRunFacts): Readings {
  const guards: GuardFacts = { recentRuns: 0, startedLastHour: 0, breakerOpen: false, ...f.guards };
  const ping = f.pingStatus ?? (finding.family === 'agent.disconnected' ? 'ConnectionLost' : 'Online');
  return {
    ...(req.tags ? { tags: f.tags ?? {} } : {}),
    ...(req.calendar === 'read'
      ? {
          calendar: {
            state: f.calendar ?? 'OPEN',
            ...(f.nextTransitionTime ? { nextTransitionTime: f.nextTransitionTime } : {}),
          },
        }
      : {}),
    ...(req.instances.length > 0
      ? {
          instances: Object.fromEntries(
            req.instances.map((id) => [
              id,
              {
                instanceId: id,
                pingStatus: ping,
                ...(f.lastPingDateTime ? { lastPingDateTime: f.lastPingDateTime } : {}),
              },
            ]),
          ),
        }
      : {}),
    ...(req.associationsOf !== undefined
      ? { associations: (f.associations ?? []).map((a) => ({ ...a })) }
      : {}),
    guards,
  };
}

/** The facts and guards a dry run decides with: the engine's own builder over the caller's readings. */
export function dryRunFacts(
  finding: Finding,
  r: Remediation,
  f: DryRunFacts,
): { facts: Facts; guards: GuardFacts } {
  const switches = { killSwitch: f.killSwitch ?? false, modes: f.mode ? { [r.id]: f.mode } : {} };
  const req = factRequest(finding, r, switches, f.defaultCalendars ?? EXAMPLE_STAGE_CALENDARS);
  const readings = dryRunReadings(finding, req, f);
  return {
    facts: assembleFacts(req, readings, f.now ? new Date(f.now) : new Date()),
    guards: readings.guards,
  };
}

export function dryRunRemediation(finding: Finding, r: Remediation, f: DryRunFacts): DryRunRemediation {
  const { facts, guards } = dryRunFacts(finding, r, f);
  const d = decide(
    {
      remediation: r,
      finding,
      facts,
      guards,
      limits: { ...DEFAULT_LIMITS, ...f.limits },
    },
    { assumeRoleArn: f.assumeRoleArn, settings: { ...r.settings } },
  );
  return {
    id: r.id,
    title: r.title,
    outcome: d.outcome.outcome,
    ...(d.outcome.code ? { code: d.outcome.code } : {}),
    reason: d.outcome.reason,
    ...(d.outcome.outcome === 'rejected' && d.outcome.field ? { field: d.outcome.field } : {}),
    gates: d.gates,
    actions: d.actions,
  };
}

export function dryRun(event: unknown, registry: Registry, f: DryRunFacts = {}): DryRunResult {
  let finding: Finding;
  const id =
    typeof event === 'object' && event && 'id' in event ? String((event as { id: unknown }).id) : 'unknown';
  try {
    finding = parseFinding(event);
  } catch (e) {
    if (e instanceof NotAFindingError) {
      const ignored = `not a finding (${e.detailType})`;
      return { event: { id, valid: true, ignored, error: e.message, field: e.field }, remediations: [] };
    }
    if (!(e instanceof ValidationError)) throw e;
    return { event: { id, valid: false, error: e.message, field: e.field }, remediations: [] };
  }
  return {
    event: { id, valid: true },
    finding,
    remediations: registry.matching(finding).map((r) => dryRunRemediation(finding, r, f)),
  };
}

/** Runs one worked example; returns what differs from its expectation (empty: it holds). */
export function runExample(r: Remediation, ex: RemediationExample): string[] {
  let finding: Finding;
  try {
    finding = parseFinding(ex.event);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return ex.expect.outcome === 'rejected' ? [] : [`the event is rejected (${e.message})`];
  }
  const problems: string[] = [];
  const applies = appliesTo(r, finding);
  if (applies !== (ex.expect.applies ?? true)) problems.push(`applies() is ${applies}, expected ${!applies}`);
  if (!applies) return problems;
  const got = dryRunRemediation(finding, r, { mode: 'auto', ...ex.facts });
  if (ex.expect.outcome && got.outcome !== ex.expect.outcome) {
    problems.push(`outcome is ${got.outcome} (${got.reason}), expected ${ex.expect.outcome}`);
  }
  if (ex.expect.actions && JSON.stringify(got.actions) !== JSON.stringify(ex.expect.actions)) {
    problems.push(
      `actions are ${JSON.stringify(got.actions)}, expected ${JSON.stringify(ex.expect.actions)}`,
    );
  }
  return problems;
}
