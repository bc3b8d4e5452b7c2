/**
 * Facts: what a decision reads beyond the event, built in ONE place for the engine, the dry run
 * (src/core/dry-run.ts) and `remediator plan`, so they cannot disagree.
 *
 * 1. `factRequest` (pure): which facts this (finding, remediation) needs, from the gates' own needs
 *    and the remediation's declared `needs`, and the calendar policy (own calendars, the stage's
 *    default, exempt, or none: fail closed).
 * 2. The readings: the engine reads them through its ports (`readFacts`, here); the dry run takes
 *    them from the caller's flags or an example (`dryRunReadings`, dry-run.ts).
 * 3. `assembleFacts` (pure): the `Facts` and `GuardFacts` the gates and the plan see.
 */
import type {
  AssociationsPort,
  CalendarPort,
  FleetPort,
  GuardFacts,
  LedgerPort,
  Switches,
  TagsPort,
} from '../ports/index.ts';
import { GateUnreadableError, errorMessage, errorName } from '../model/errors.ts';
import type { Remediation } from './remediation.ts';
import type { AssociationFact, CalendarFact, Facts, Finding, InstanceFact, Mode } from '../model/types.ts';

/**
 * What a remediation's plan may declare it reads (`needs`):
 * - `instance`: the finding's instance as SSM reports it (DescribeInstanceInformation: ping status,
 *   last ping), in `facts.instances`;
 * - `associations`: the instance's State Manager associations (DescribeInstanceAssociationsStatus),
 *   in `facts.associations`.
 */
export const NEEDS = ['instance', 'associations'] as const;
export type Need = (typeof NEEDS)[number];

/**
 * Every fact a decision can read. The gates always read `switches` (kill switch, mode), `tags`
 * (opt-out), `calendar` and `history` (the ledger's guards: cooldown, breaker, budget, re-applied);
 * the agent-state gate reads `instance` for agent findings.
 */
export type Fact = 'switches' | 'tags' | 'calendar' | 'history' | Need;

/**
 * The stage default calendars examples and `remediator plan` decide with unless told otherwise: the
 * sandbox stage's (serverless.yml `params.sandbox.defaultCalendars`, the calendar `remediator sandbox`
 * and the rehearsals deploy). Every stage that can be packaged has one (the plugin refuses a stage
 * without, as long as a remediation relies on it), so an example's CLOSED calendar is reachable.
 */
export const EXAMPLE_STAGE_CALENDARS: readonly string[] = ['ssm-remediator-sandbox-changes'];

const INSTANCE_TYPES = new Set(['AWS::EC2::Instance', 'AWS::SSM::ManagedInstance']);

/** The facts one (finding, remediation) needs: the gates' own, and what the remediation declares. */
export function factsNeeded(finding: Finding, r: Pick<Remediation, 'needs'>): Set<Fact> {
  const out = new Set<Fact>(['switches', 'tags', 'calendar', 'history', ...(r.needs ?? [])]);
  if (finding.family === 'agent.disconnected') out.add('instance');
  // Only an instance has an agent and associations to read.
  if (!INSTANCE_TYPES.has(finding.resourceType)) {
    out.delete('instance');
    out.delete('associations');
  }
  return out;
}

/** What to read for one decision, and how the calendar applies. */
export interface FactRequest {
  /** The remediation's mode and the kill switch, from the switches read for the finding. */
  killSwitch: boolean;
  mode: Mode;
  /** The kill switch or mode `off` stop everything: the gates' other facts are not read. */
  tags: boolean;
  /**
   * `read`: the calendars' state decides; `exempt`: `calendars: []` (never gated); `unset`: the
   * remediation relies on the stage default and the stage has none (fail closed: `no-calendar`).
   */
  calendar: 'read' | 'exempt' | 'unset' | 'not-read';
  calendars: string[];
  /** Instance ids whose agent status to read ([]: none). */
  instances: string[];
  /** The instance whose associations to read. */
  associationsOf?: string;
  /** The ledger's guards: always read (a ledger that cannot be read defers the work). */
  history: true;
}

/** Pure: what the decision for (finding, r) must read, given the switches and the stage's default calendars. */
export function factRequest(
  finding: Finding,
  r: Remediation,
  switches: Switches,
  defaultCalendars: readonly string[],
): FactRequest {
  const killSwitch = switches.killSwitch;
  const mode = switches.modes[r.id] ?? r.defaultMode;
  const needed = factsNeeded(finding, r);
  const calendars = [...(r.calendars ?? defaultCalendars)];
  // The kill switch and mode 'off' stop everything: no need to read further gates.
  const stopped = killSwitch || mode === 'off';
  return {
    killSwitch,
    mode,
    tags: !stopped,
    calendar: stopped
      ? 'not-read'
      : calendars.length > 0
        ? 'read'
        : r.calendars === undefined
          ? 'unset'
          : 'exempt',
    calendars,
    instances: !stopped && needed.has('instance') ? [finding.resourceId] : [],
    ...(!stopped && needed.has('associations') ? { associationsOf: finding.resourceId } : {}),
    history: true,
  };
}

/** What was read for a request (absent: not requested). */
export interface Readings {
  tags?: Record<string, string>;
  calendar?: Omit<CalendarFact, 'calendars' | 'unset'>;
  instances?: Record<string, InstanceFact>;
  associations?: AssociationFact[];
  guards: GuardFacts;
}

/** Pure: the facts the gates and the plan decide with. */
export function assembleFacts(req: FactRequest, readings: Readings, now: Date): Facts {
  const calendar: CalendarFact =
    req.calendar === 'read' && readings.calendar
      ? { ...readings.calendar, calendars: req.calendars }
      : { state: 'OPEN', calendars: req.calendars, ...(req.calendar === 'unset' ? { unset: true } : {}) };
  return {
    now: now.toISOString(),
    killSwitch: req.killSwitch,
    mode: req.mode,
    tags: req.tags ? (readings.tags ?? {}) : {},
    calendar,
    ...(req.instances.length > 0 ? { instances: readings.instances ?? {} } : {}),
    ...(req.associationsOf !== undefined ? { associations: readings.associations ?? [] } : {}),
  };
}

/** The ports the engine reads facts through. */
export interface FactPorts {
  tags: TagsPort;
  calendar: CalendarPort;
  fleet: FleetPort;
  associations?: AssociationsPort;
  ledger: Pick<LedgerPort, 'guards'>;
}

/** Reads one gate's fact; a failure is a GateUnreadableError naming the gate (the work is held, not dropped). */
export async function read<T>(gate: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new GateUnreadableError(gate, `${errorName(e)}: ${errorMessage(e)}`, { cause: e });
  }
}

/** The engine's readings: exactly what the request names, through the ports; GateUnreadableError names a fact that failed. */
export async function readFacts(
  finding: Finding,
  r: Remediation,
  req: FactRequest,
  ports: FactPorts,
  at: Date,
): Promise<Readings> {
  const out: Omit<Readings, 'guards'> = {};
  if (req.tags) out.tags = await read('resource tags', () => ports.tags.tagsFor(finding));
  if (req.calendar === 'read')
    out.calendar = await read('change calendar', () => ports.calendar.state(req.calendars));
  if (req.instances.length > 0)
    out.instances = await read('instance agent status', () => ports.fleet.describe(req.instances));
  if (req.associationsOf !== undefined) {
    const id = req.associationsOf;
    out.associations = await read('instance associations', () => {
      if (!ports.associations) throw new Error('no State Manager associations port is wired');
      return ports.associations.onInstance(id);
    });
  }
  const guards = await read('ledger', () => ports.ledger.guards(r.id, finding.resourceId, at));
  return { ...out, guards };
}

/** The engine's facts for one (finding, remediation): request, read through the ports, assemble. */
export async function gatherFacts(
  finding: Finding,
  r: Remediation,
  switches: Switches,
  defaultCalendars: readonly string[],
  ports: FactPorts,
  at: Date,
): Promise<{ facts: Facts; guards: GuardFacts }> {
  const req = factRequest(finding, r, switches, defaultCalendars);
  const readings = await readFacts(finding, r, req, ports, at);
  return { facts: assembleFacts(req, readings, at), guards: readings.guards };
}
