/**
 * A dry run makes no AWS call: facts come from the caller (CLI flags, a remediation's example) with
 * sensible defaults. `remediator plan`, the runbook examples and `remediator check` all use it.
 */
import { NotAFindingError, parseFinding } from '../events/finding.ts';
import type { GuardFacts } from '../ports/index.ts';
import { decide } from './decide.ts';
import { ValidationError } from './errors.ts';
import { DEFAULT_LIMITS, type GateDecision, type Limits } from './gates.ts';
import type { Registry } from './registry.ts';
import type { ExampleFacts, Remediation, RemediationExample } from './remediation.ts';
import type { Action, Facts, Finding, Outcome } from './types.ts';

/** Example facts, plus ledger guards and stage settings. `mode` unset: each remediation's default mode. */
export interface DryRunFacts extends ExampleFacts {
  guards?: Partial<GuardFacts>;
  assumeRoleArn?: string;
  now?: string;
  limits?: Partial<Limits>;
  defaultCalendars?: string[];
}

export interface DryRunRemediation {
  id: string;
  title: string;
  outcome: Outcome['outcome'];
  code?: string;
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

export function factsFor(finding: Finding, r: Remediation, f: DryRunFacts): Facts {
  const calendars = r.calendars ?? f.defaultCalendars ?? [];
  // Like the engine: a remediation that names no calendar (`calendars: []`) is never gated; one that
  // names none of its own follows the stage default, whose state the caller gives.
  const gated = r.calendars === undefined || r.calendars.length > 0;
  return {
    now: f.now ?? new Date().toISOString(),
    killSwitch: f.killSwitch ?? false,
    mode: f.mode ?? r.defaultMode,
    tags: f.tags ?? {},
    calendar: {
      state: gated ? (f.calendar ?? 'OPEN') : 'OPEN',
      calendars,
      ...(f.nextTransitionTime ? { nextTransitionTime: f.nextTransitionTime } : {}),
    },
    ...(finding.family !== 'config.noncompliant'
      ? {
          instances: {
            [finding.resourceId]: {
              instanceId: finding.resourceId,
              pingStatus:
                f.pingStatus ?? (finding.family === 'agent.disconnected' ? 'ConnectionLost' : 'Online'),
              ...(f.lastPingDateTime ? { lastPingDateTime: f.lastPingDateTime } : {}),
            },
          },
        }
      : {}),
    ...(finding.family === 'association.failed' && f.associations
      ? { associations: f.associations.map((a) => ({ ...a })) }
      : {}),
  };
}

export function dryRunRemediation(finding: Finding, r: Remediation, f: DryRunFacts): DryRunRemediation {
  const guards: GuardFacts = { recentRuns: 0, startedLastHour: 0, breakerOpen: false, ...f.guards };
  const d = decide(
    {
      remediation: r,
      finding,
      facts: factsFor(finding, r, f),
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
    ...(d.outcome.field ? { field: d.outcome.field } : {}),
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
  const applies = r.trigger === finding.family && r.applies(finding);
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
