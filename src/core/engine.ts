/**
 * The engine: event → finding → matching remediations → facts (fail closed) → decision → action →
 * outcomes → notifications. Handlers are glue around `handleEvent`; everything AWS is a port.
 */
import type {
  AutomationPort,
  CalendarPort,
  ClaimKey,
  CommandPort,
  DeadLetterPort,
  ExecutionRecord,
  FleetPort,
  GuardFacts,
  LedgerPort,
  LogPort,
  NotifierPort,
  Switches,
  SwitchesPort,
  TagsPort,
} from '../ports/index.ts';
import { eventIdentity, parseFinding } from '../events/finding.ts';
import { decide, type Decision } from './decide.ts';
import {
  GateUnreadableError,
  TransientError,
  ValidationError,
  classifyActionError,
  errorMessage,
  errorName,
} from './errors.ts';
import type { Limits } from './gates.ts';
import { holdCodeOf, holdRecord, type HoldCode } from './hold.ts';
import { notificationFor, shouldNotify } from './notify.ts';
import type { Registry } from './registry.ts';
import type { Remediation } from './remediation.ts';
import { recordOutcome } from './record.ts';
import { clientToken } from './token.ts';
import type { Action, CalendarFact, Facts, Finding, InstanceFact, Outcome } from './types.ts';

export interface EngineConfig {
  stage: string;
  defaultCalendars: string[];
  assumeRoleArn?: string;
  /** The Automation assume role the service ships per remediation; wins over assumeRoleArn. */
  assumeRoleArns?: Record<string, string>;
  limits: Limits;
  /** Stage overrides of remediation settings: remediation id → name → value. */
  settings: Record<string, Record<string, string>>;
}

export interface EngineDeps {
  registry: Registry;
  config: EngineConfig;
  switches: SwitchesPort;
  tags: TagsPort;
  calendar: CalendarPort;
  fleet: FleetPort;
  automation: AutomationPort;
  commands: CommandPort;
  ledger: LedgerPort;
  notifier: NotifierPort;
  deadLetter: DeadLetterPort;
  log: LogPort;
  now: () => Date;
}

/** Tags put on every execution the service starts (at most 5 at start). */
export const TAG_REMEDIATION = 'ssm-remediator:remediation';
export const TAG_RESOURCE = 'ssm-remediator:resource';
export const TAG_EVENT = 'ssm-remediator:event';

export async function handleEvent(event: unknown, deps: EngineDeps): Promise<Outcome[]> {
  let finding: Finding;
  try {
    finding = parseFinding(event);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return [await reject(event, e, deps)];
  }
  return handleFinding(finding, deps);
}

async function reject(event: unknown, e: ValidationError, deps: EngineDeps): Promise<Outcome> {
  const id = eventIdentity(event);
  const outcome: Outcome = {
    ...id,
    outcome: 'rejected',
    code: 'invalid-event',
    field: e.field,
    reason: `invalid event: ${e.message}`,
    actions: [],
    at: deps.now().toISOString(),
  };
  deps.log.warn('event rejected', { eventId: id.eventId, field: e.field, reason: outcome.reason });
  try {
    await deps.deadLetter.send(event, outcome.reason, e.field);
  } catch (err) {
    // Losing the event would lose work: let Lambda retry and its own dead-letter path take it.
    deps.log.error('dead-letter send failed', { eventId: id.eventId, error: errorMessage(err) });
    throw new TransientError(`could not dead-letter rejected event ${id.eventId}`, { cause: err });
  }
  await finish([outcome], deps);
  return outcome;
}

/** Decides and acts on one finding; every matching remediation ends in exactly one outcome. */
export async function handleFinding(
  finding: Finding,
  deps: EngineDeps,
  held?: HeldContext,
): Promise<Outcome[]> {
  const decisions = await decideFinding(finding, deps);
  const outcomes: Outcome[] = [];
  for (const d of decisions) outcomes.push(await carryOut(finding, d, deps, held));
  await finish(outcomes, deps);
  return outcomes;
}

export interface RemediationDecision {
  remediation: Remediation | undefined;
  decision: Decision;
}

/** Gathers facts and decides for every matching remediation; no side effects besides reads. */
export async function decideFinding(finding: Finding, deps: EngineDeps): Promise<RemediationDecision[]> {
  const matching = deps.registry.matching(finding);
  const at = deps.now();
  if (matching.length === 0) {
    return [
      {
        remediation: undefined,
        decision: stopped(finding, 'skipped', 'no-match', 'no remediation applies to this finding'),
      },
    ];
  }
  // The failure of a command the service itself started is its own outcome: completion reports it.
  let own: ExecutionRecord | undefined;
  try {
    own = await ownExecution(finding, deps);
  } catch (e) {
    return matching.map((r) => ({ remediation: r, decision: unreadable(finding, r, 'ledger', e) }));
  }
  if (own) {
    const d = stopped(
      finding,
      'skipped',
      'own-action',
      `${finding.resourceId} failed in command ${own.executionId}, which this service started (${own.remediationId}); its completion reports it, so no new remediation starts`,
      deps.registry.get(own.remediationId),
    );
    return [
      { remediation: undefined, decision: { ...d, outcome: { ...d.outcome, executionId: own.executionId } } },
    ];
  }
  let switches: Switches;
  try {
    switches = await deps.switches.read(matching.map((r) => r.id));
  } catch (e) {
    return matching.map((r) => ({
      remediation: r,
      decision: unreadable(finding, r, 'kill switch and modes', e),
    }));
  }
  const out: RemediationDecision[] = [];
  for (const r of matching) {
    const mode = switches.modes[r.id] ?? r.defaultMode;
    try {
      const facts = await gatherFacts(finding, r, switches.killSwitch, mode, at, deps);
      const guards = await readGuards(r, finding, at, deps);
      const ctx = {
        assumeRoleArn: deps.config.assumeRoleArns?.[r.id] ?? deps.config.assumeRoleArn,
        settings: { ...r.settings, ...deps.config.settings[r.id] },
      };
      out.push({
        remediation: r,
        decision: decide({ remediation: r, finding, facts, guards, limits: deps.config.limits }, ctx),
      });
    } catch (e) {
      if (!(e instanceof GateUnreadableError)) throw e;
      out.push({ remediation: r, decision: unreadable(finding, r, e.gate, e) });
    }
  }
  return out;
}

/** The service's own execution a finding reports on (a patch run it sent that failed), if any. */
async function ownExecution(finding: Finding, deps: EngineDeps): Promise<ExecutionRecord | undefined> {
  const id = finding.detail.commandId;
  return typeof id === 'string' ? deps.ledger.getExecution(id) : undefined;
}

async function read<T>(gate: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new GateUnreadableError(gate, `${errorName(e)}: ${errorMessage(e)}`, { cause: e });
  }
}

async function gatherFacts(
  finding: Finding,
  r: Remediation,
  killSwitch: boolean,
  mode: Facts['mode'],
  at: Date,
  deps: EngineDeps,
): Promise<Facts> {
  const facts: Facts = {
    now: at.toISOString(),
    killSwitch,
    mode,
    tags: {},
    calendar: { state: 'OPEN', calendars: [] },
  };
  // The kill switch and mode 'off' stop everything: no need to read further gates.
  if (killSwitch || mode === 'off') return facts;
  facts.tags = await read('resource tags', () => deps.tags.tagsFor(finding));
  const calendars = r.calendars ?? deps.config.defaultCalendars;
  const state = calendars.length
    ? await read('change calendar', () => deps.calendar.state(calendars))
    : ({ state: 'OPEN' } as const);
  facts.calendar = {
    ...state,
    calendars,
    // Fail closed: no own calendar, no stage default, and not exempt (`calendars: []`).
    ...(calendars.length === 0 && r.calendars === undefined ? { unset: true as const } : {}),
  } satisfies CalendarFact;
  if (finding.resourceType === 'AWS::EC2::Instance' || finding.resourceType === 'AWS::SSM::ManagedInstance') {
    if (finding.family !== 'config.noncompliant') {
      const instances: Record<string, InstanceFact> = await read('instance agent status', () =>
        deps.fleet.describe([finding.resourceId]),
      );
      facts.instances = instances;
    }
  }
  return facts;
}

async function readGuards(r: Remediation, finding: Finding, at: Date, deps: EngineDeps): Promise<GuardFacts> {
  return read('ledger', () => deps.ledger.guards(r.id, finding.resourceId, at));
}

function stopped(
  finding: Finding,
  outcome: Outcome['outcome'],
  code: Outcome['code'],
  reason: string,
  r?: Remediation,
): Decision {
  return {
    gates: [],
    verdict: 'stop',
    actions: [],
    outcome: {
      eventId: finding.eventId,
      family: finding.family,
      resourceType: finding.resourceType,
      resourceId: finding.resourceId,
      account: finding.account,
      region: finding.region,
      ...(r ? { remediation: r.id } : {}),
      outcome,
      code,
      reason,
      actions: [],
    },
  };
}

/** Fail closed: a gate that cannot be read defers the work (held in the ledger) and says why. */
function unreadable(finding: Finding, r: Remediation, gate: string, e: unknown): Decision {
  return stopped(
    finding,
    'deferred',
    'gate-unreadable',
    `${gate} could not be read, so nothing was done: ${errorMessage(e)}`,
    r,
  );
}

export function claimKey(r: Remediation, finding: Finding): ClaimKey {
  return {
    remediationId: r.id,
    resourceId: finding.resourceId,
    findingTime: finding.orderingTime,
    family: finding.family,
  };
}

/** The held item a release replays (its tries so far drive the backoff of the next hold). */
export interface HeldContext {
  attempts?: number;
}

/**
 * Carries out one decision: a stop (holding deferred work in the ledger), or claim then act.
 * Exported for the patch fan-out.
 */
export async function carryOut(
  finding: Finding,
  { remediation: r, decision }: RemediationDecision,
  deps: EngineDeps,
  held?: HeldContext,
): Promise<Outcome> {
  const at = deps.now().toISOString();
  const outcome: Outcome = { ...decision.outcome, at };
  if (decision.verdict === 'stop' || !r) {
    const code = holdCodeOf(outcome);
    if (code && r) await hold(finding, r, outcome, code, deps, held);
    return outcome;
  }

  const key = claimKey(r, finding);
  /** Nothing started: hold the work (freeing the claim, if taken, so the retry may act). */
  const holdWith = async (code: HoldCode, reason: string, claimed: boolean): Promise<Outcome> => {
    if (claimed) await deps.ledger.release(key).catch(() => undefined);
    const o: Outcome = { ...outcome, outcome: 'deferred', code, reason };
    await hold(finding, r, o, code, deps, held);
    return o;
  };
  let claim;
  try {
    claim = await deps.ledger.claim(key, deps.now());
  } catch (e) {
    return holdWith(
      'gate-unreadable',
      `ledger could not be written, so nothing was done: ${errorMessage(e)}`,
      false,
    );
  }
  if (claim.status === 'duplicate') {
    return {
      ...outcome,
      outcome: 'skipped',
      code: 'duplicate',
      reason: claim.reason,
      ...(claim.executionId ? { executionId: claim.executionId } : {}),
    };
  }
  // The budget is exact: one conditional counter per clock hour, taken before acting.
  const limit = deps.config.limits.budgetPerHour;
  let slot: string | undefined;
  try {
    slot = await deps.ledger.acquireBudget(deps.now(), limit);
  } catch (e) {
    return holdWith('gate-unreadable', `ledger budget could not be read: ${errorMessage(e)}`, true);
  }
  if (!slot) {
    return holdWith(
      'budget',
      `account budget spent: ${limit} executions already started this hour (limit ${limit}); held until the budget allows`,
      true,
    );
  }
  try {
    const executionId = await act(finding, r, decision.actions, deps);
    return { ...outcome, executionId };
  } catch (e) {
    await deps.ledger
      .returnBudget(slot)
      .catch((err: unknown) => deps.log.warn('budget slot not returned', { error: errorMessage(err) }));
    if (classifyActionError(e) === 'transient') {
      return holdWith(
        'transient-error',
        `SSM did not take it for now (${errorName(e)}: ${errorMessage(e)}); held and tried again`,
        true,
      );
    }
    return {
      ...outcome,
      outcome: 'failed',
      code: 'api-error',
      reason: `${errorName(e)}: ${errorMessage(e)}`,
    };
  }
}

/**
 * Keeps work that cannot go on now in the ledger until it ends. If the ledger cannot take it, the
 * invocation fails (TransientError): Lambda's retries, its on-failure queue or SQS redelivery hold
 * it instead. Never only a log line.
 */
export async function hold(
  finding: Finding,
  r: Remediation,
  o: Outcome,
  code: HoldCode,
  deps: EngineDeps,
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

async function act(
  finding: Finding,
  r: Remediation,
  actions: Action[],
  deps: EngineDeps,
): Promise<string | undefined> {
  let executionId: string | undefined;
  for (const a of actions) {
    if (a.kind === 'startAutomation') {
      const { executionId: id } = await deps.automation.start({
        document: a.document,
        parameters: a.parameters,
        clientToken: clientToken(r.id, finding.resourceId, finding.orderingTime),
        tags: { [TAG_REMEDIATION]: r.id, [TAG_RESOURCE]: finding.resourceId, [TAG_EVENT]: finding.eventId },
      });
      executionId = id;
      await recordExecution(finding, r, 'automation', a.document, [finding.resourceId], id, deps);
    } else if (a.kind === 'sendCommand') {
      const rc = { ...a };
      const { commandId } = await deps.commands.send({
        document: rc.document,
        parameters: rc.parameters,
        instanceIds: rc.instanceIds,
        maxConcurrency: rc.maxConcurrency,
        maxErrors: rc.maxErrors,
        timeoutSeconds: rc.timeoutSeconds,
        comment: `ssm-remediator ${r.id}`.slice(0, 100),
      });
      executionId = commandId;
      await recordExecution(finding, r, 'command', a.document, a.instanceIds, commandId, deps);
    }
  }
  return executionId;
}

async function recordExecution(
  finding: Finding,
  r: Remediation,
  kind: 'automation' | 'command',
  document: string,
  resourceIds: string[],
  executionId: string,
  deps: EngineDeps,
): Promise<void> {
  try {
    await deps.ledger.recordExecution({
      executionId,
      kind,
      remediationId: r.id,
      family: finding.family,
      document,
      resourceIds,
      resourceType: finding.resourceType,
      findingTime: finding.orderingTime,
      eventId: finding.eventId,
      account: finding.account,
      region: finding.region,
      startedAt: deps.now().toISOString(),
      ...(finding.rule ? { rule: finding.rule } : {}),
    });
  } catch (e) {
    // The execution is running and tagged; the reconcile sweep finds it by tag. Say so loudly.
    deps.log.error('execution started but not recorded in the ledger', {
      executionId,
      remediation: r.id,
      error: errorMessage(e),
    });
  }
}

/** Records, logs and notifies outcomes. A failure here never undoes or blocks an action. */
export async function finish(outcomes: Outcome[], deps: EngineDeps): Promise<void> {
  for (const o of outcomes) {
    await recordOutcome(o, 'decision', deps);
    if (!shouldNotify(o)) continue;
    // A tripped guard is announced once per trip, not once per event (the ledger remembers).
    if (deps.ledger.firstNotice && !(await deps.ledger.firstNotice(o, deps.now()).catch(() => true)))
      continue;
    const title = o.remediation
      ? (deps.registry.get(o.remediation)?.title ?? o.remediation)
      : 'Rejected event';
    try {
      await deps.notifier.notify(notificationFor(o, title));
    } catch (e) {
      deps.log.error('notification failed', {
        eventId: o.eventId,
        remediation: o.remediation,
        error: errorMessage(e),
      });
    }
  }
}
