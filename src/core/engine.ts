/**
 * The engine: event → finding → matching remediations → facts (fail closed) → decision → action →
 * outcomes → notifications. Handlers are glue around `handleEvent`; everything AWS is a port.
 */
import type {
  AssociationsPort,
  AutomationPort,
  CalendarPort,
  CommandPort,
  DeadLetterPort,
  ExecutionRecord,
  FleetPort,
  LedgerPort,
  LogPort,
  MetricsPort,
  NotifierPort,
  Switches,
  SwitchesPort,
  TagsPort,
} from '../ports/index.ts';
import { parseFinding } from '../events/finding.ts';
import type { Home } from '../events/origin.ts';
import { decide, type Decision } from './decide.ts';
import { GateUnreadableError, ValidationError, errorMessage } from '../model/errors.ts';
import { gatherFacts, read } from './facts.ts';
import type { Limits } from './gates.ts';
import { holdCodeOf } from './hold.ts';
import { decisionPlan, type ActingPlan } from './act-plan.ts';
import { announce, each } from './announce.ts';
import { admissionReason, slotsNeeded, type AdmissionLimits } from './admission.ts';
import { admissionRoom } from './admission-release.ts';
import { claimOrSkip, executePlan, hold, type ExecuteDeps, type HeldContext } from './execute.ts';
import type { Registry } from './registry.ts';
import { decisionLatency, findingReceived } from './metrics.ts';
import { manualFinding, withRequester } from './manual.ts';
import { operatorEventType, REMEDIATION_REQUESTED } from '../events/operator.ts';
import { rejectEvent } from './reject.ts';
import type { ApprovalsPort } from '../ports/approvals.ts';
import { approvedDecision, askApproval, readApproval } from './approval-engine.ts';
import { approvalIdOf } from './approval.ts';
import type { Remediation } from './remediation.ts';
import { outcomeBase, type DeferCode, type Finding, type Outcome, type SkipReason } from '../model/types.ts';

export interface EngineConfig {
  stage: string;
  defaultCalendars: string[];
  assumeRoleArn?: string;
  /** The Automation assume role the service ships per remediation; wins over assumeRoleArn. */
  assumeRoleArns?: Record<string, string>;
  limits: Limits;
  /** The service's share of SSM's Automation quota (src/core/admission.ts); unset: no admission. */
  admission?: AdmissionLimits;
  /** Stage overrides of remediation settings: remediation id → name → value. */
  settings: Record<string, Record<string, string>>;
  /** The deployment's own account and region: events about any other are rejected (events/origin.ts). */
  home?: Home;
}

export interface EngineDeps {
  registry: Registry;
  config: EngineConfig;
  switches: SwitchesPort;
  tags: TagsPort;
  calendar: CalendarPort;
  fleet: FleetPort;
  /** State Manager associations (association.failed); without it such findings fail closed. */
  associations?: AssociationsPort;
  automation: AutomationPort;
  commands: CommandPort;
  ledger: LedgerPort;
  notifier: NotifierPort;
  deadLetter: DeadLetterPort;
  log: LogPort;
  now: () => Date;
  /** Optional: without it nothing is measured (docs/operating.md "Metrics"). */
  metrics?: MetricsPort;
  /** The remediate function's wake-up for held admission work after a failed start (execute.ts). */
  slotsReturned?: ExecuteDeps['slotsReturned'];
  /** Approval requests (mode `approve`); without it such remediations fail closed. */
  approvals?: ApprovalsPort;
}

export { TAG_EVENT, TAG_REMEDIATION, TAG_RESOURCE } from './act-plan.ts';
export { claimKey, hold, type HeldContext } from './execute.ts';

export async function handleEvent(event: unknown, deps: EngineDeps): Promise<Outcome[]> {
  let finding: Finding;
  try {
    finding =
      operatorEventType(event) === REMEDIATION_REQUESTED
        ? manualFinding(event, deps.registry, deps.config.home)
        : parseFinding(event, deps.config.home);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return [await reject(event, e, deps)];
  }
  findingReceived(deps.metrics, finding);
  const outcomes = await handleFinding(finding, deps);
  decisionLatency(deps.metrics, finding, deps.now());
  return outcomes;
}

async function reject(event: unknown, e: ValidationError, deps: EngineDeps): Promise<Outcome> {
  const outcome = await rejectEvent(event, e, deps);
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
  for (const d of decisions) outcomes.push(withRequester(finding, await carryOut(finding, d, deps, held)));
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
        decision: stopped(finding, {
          outcome: 'skipped',
          code: 'no-match',
          reason: 'no remediation applies to this finding',
        }),
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
    const decision = stopped(
      finding,
      {
        outcome: 'skipped',
        code: 'own-action',
        reason: `${finding.resourceId} failed in command ${own.executionId}, which this service started (${own.remediationId}); its completion reports it, so no new remediation starts`,
        executionId: own.executionId,
      },
      deps.registry.get(own.remediationId),
    );
    return [{ remediation: undefined, decision }];
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
    try {
      // Mode `approve`: an approved request acts as `auto`; a rejected, timed-out or held pending one stops here.
      const approval = await read('approval', () =>
        readApproval(finding, r, switches.modes[r.id] ?? r.defaultMode, at, deps.approvals, deps.ledger),
      );
      if (approval.stop) {
        out.push({ remediation: r, decision: approval.stop });
        continue;
      }
      // The one facts builder (src/core/facts.ts), shared with the dry run and `remediator plan`.
      const { facts, guards } = await gatherFacts(
        finding,
        r,
        { ...switches, modes: { ...switches.modes, [r.id]: approval.mode } },
        deps.config.defaultCalendars,
        deps,
        at,
      );
      const ctx = {
        assumeRoleArn: deps.config.assumeRoleArns?.[r.id] ?? deps.config.assumeRoleArn,
        settings: { ...r.settings, ...deps.config.settings[r.id] },
      };
      const decision = decide({ remediation: r, finding, facts, guards, limits: deps.config.limits }, ctx);
      out.push({
        remediation: r,
        decision: approvedDecision(decision, approval.approvedBy, approvalIdOf(r, finding)),
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
  if (finding.family !== 'patch.failed' || finding.detail.source !== 'command-invocation') return undefined;
  return deps.ledger.getExecution(finding.detail.commandId);
}

/** A decision that stops before any gate: a skip (no match, the service's own action) or a hold. */
type Stop =
  | { outcome: 'skipped'; code: SkipReason; reason: string; executionId?: string }
  | { outcome: 'deferred'; code: DeferCode; reason: string };

function stopped(finding: Finding, stop: Stop, r?: Remediation): Decision {
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
      ...stop,
      actions: [],
    },
  };
}

/** Fail closed: a gate that cannot be read defers the work (held in the ledger) and says why. */
function unreadable(finding: Finding, r: Remediation, gate: string, e: unknown): Decision {
  return stopped(
    finding,
    {
      outcome: 'deferred',
      code: 'gate-unreadable',
      reason: `${gate} could not be read, so nothing was done: ${errorMessage(e)}`,
    },
    r,
  );
}

/**
 * Carries out one decision: a stop (holding deferred work in the ledger), or claim, then the one
 * executor (`execute.ts`) acts on the decision's plan. Exported for the patch fan-out.
 */
export async function carryOut(
  finding: Finding,
  { remediation: r, decision }: RemediationDecision,
  deps: EngineDeps,
  held?: HeldContext,
): Promise<Outcome> {
  const at = deps.now().toISOString();
  let outcome: Outcome = { ...decision.outcome, at };
  if (decision.verdict === 'stop' || !r) {
    const code = holdCodeOf(outcome);
    // The approval request (with the plan) is kept first: a hold never waits on a request not kept.
    if (code === 'approval' && r)
      outcome = await askApproval(
        finding,
        r,
        outcome,
        { ...r.settings, ...deps.config.settings[r.id] },
        deps.approvals,
        deps.now(),
      );
    if (code && r) await hold(finding, r, outcome, code, deps, held);
    return outcome;
  }
  const member = { finding, remediation: r, outcome };
  const plan = decisionPlan(member, decision.actions);
  const full = held ? undefined : await shareInUse(plan, deps);
  if (full) {
    const o: Outcome = { ...outcomeBase(outcome), at, outcome: 'deferred', code: 'admission', reason: full };
    await hold(finding, r, o, 'admission', deps, held);
    return o;
  }
  try {
    const duplicate = await claimOrSkip(member, outcome, deps);
    if (duplicate) return duplicate;
  } catch (e) {
    // Nothing claimed, nothing started: hold the work so the retry may act.
    const o: Outcome = {
      ...outcomeBase(outcome),
      at,
      outcome: 'deferred',
      code: 'gate-unreadable',
      reason: `ledger could not be written, so nothing was done: ${errorMessage(e)}`,
    };
    await hold(finding, r, o, 'gate-unreadable', deps, held);
    return o;
  }
  const { outcomes } = await executePlan(plan, deps, {
    transient: 'hold',
    held,
  });
  return outcomes[0]!;
}

/**
 * Admission by a read, before anything is written: once this container's try to take a slot was
 * refused in the last minute, and while the counter says the service's share of SSM's quota is in
 * use, the work is held now (the reason), without the claim, budget slot and admission try it would
 * take and give back: six ledger writes that decide nothing, for most findings of a storm.
 * Only a shortcut: the conditional slot in execute.ts stays the rule (a read that fails, or a slot
 * freed after it, goes the usual way), and work a release pass hands back (`held`) skips it, since the
 * pass counted the free slots. A duplicate held here is recognised when it is released.
 */
async function shareInUse(plan: ActingPlan, deps: EngineDeps): Promise<string | undefined> {
  const limits = deps.config.admission;
  const want = slotsNeeded(plan.calls);
  if (!limits || want === 0 || !deps.ledger.acquireSlots) return undefined;
  // Only once this container has seen the share full: a quiet day pays no read.
  if (deps.ledger.shareFullLately && !deps.ledger.shareFullLately(deps.now())) return undefined;
  const room = await admissionRoom(deps, want).catch(() => true);
  return room ? undefined : admissionReason(limits, want);
}

/** Records, logs and notifies outcomes, one notification each. Never undoes or blocks an action. */
export async function finish(outcomes: Outcome[], deps: EngineDeps): Promise<void> {
  await announce(outcomes, deps, { record: 'decision', filter: true, oncePerTrip: true, build: each });
}
