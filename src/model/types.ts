/** The words of the design (see README "Vocabulary"), as types. Pure data: no AWS, no I/O. */

export const TRIGGER_FAMILIES = [
  'config.noncompliant',
  'patch.failed',
  'agent.disconnected',
  'association.failed',
] as const;
export type TriggerFamily = (typeof TRIGGER_FAMILIES)[number];

/** `approve`: act only once someone on the stage's allow-list approves (src/core/approval.ts). */
export const MODES = ['auto', 'shadow', 'off', 'approve'] as const;
export type Mode = (typeof MODES)[number];

/**
 * How a finding came when no AWS event reported it: an operator asked for one remediation
 * (`Remediation Requested`, src/core/manual.ts). It names the remediation, so `applies` is not asked.
 */
export interface RequestedDetail {
  source: 'operator';
  requestedRemediation: string;
  requestedBy: string;
  note?: string;
}

/** A Config finding the backfill found in Config's records (src/core/backfill.ts). */
export interface BackfillDetail {
  source: 'backfill';
  annotation?: string;
  requestedBy?: string;
}

/**
 * What each trigger family's events carry, already validated (src/events/finding.ts), one variant per
 * event shape, told apart by `source`. A remediation of a family receives only that family's details.
 */
export interface FindingDetails {
  'config.noncompliant':
    { source: 'config-rule'; configRuleArn: string; annotation?: string } | BackfillDetail | RequestedDetail;
  'patch.failed':
    /** `EC2 Command Invocation Status-change Notification`: `rule` is the document that ran. */
    | {
        source: 'command-invocation';
        commandId: string;
        status:
          | 'Pending'
          | 'InProgress'
          | 'Delayed'
          | 'Success'
          | 'Cancelled'
          | 'TimedOut'
          | 'Failed'
          | 'Cancelling';
      }
    /** `Configuration Compliance State Change` (Patch): `rule` is the compliance type. */
    | { source: 'compliance'; severity?: string; patchBaselineId?: string }
    | RequestedDetail;
  'agent.disconnected':
    /** The service's own `SSM Agent Disconnected` (the agent-health sweep). */
    | {
        source: 'agent-sweep';
        pingStatus: 'ConnectionLost' | 'Online' | 'Inactive';
        reason: 'connection-lost' | 'stale-ping';
        lastPingDateTime?: string;
        platformType?: string;
        consecutiveSweeps: number;
      }
    | RequestedDetail;
  'association.failed':
    /** `EC2 State Manager Instance Association State Change`, Failed: names the association. */
    | { source: 'association-state'; associationId: string; detailedStatus?: string; errorCode?: string }
    /** `Configuration Compliance State Change` (Association): names only the instance. */
    | { source: 'compliance' }
    | RequestedDetail;
}

/** The fields every finding has, whatever its family. */
export interface FindingBase<F extends TriggerFamily> {
  family: F;
  /** EventBridge event id: correlates every log line and outcome of this event. */
  eventId: string;
  account: string;
  region: string;
  resourceType: string;
  resourceId: string;
  /** Config rule name, or the SSM document whose run failed. */
  rule?: string;
  /** The finding's own ordering time (Config orderingTimestamp, else the event time). Part of the idempotency key. */
  orderingTime: string;
  /** The event time. */
  time: string;
  /** Family-specific facts carried by the event (already validated). */
  detail: FindingDetails[F];
}

/**
 * An event normalised to what a decision needs: a union by trigger family. `Finding<'patch.failed'>`
 * is one family's finding; `Finding` is any. Narrow on `family`, then on `detail.source`.
 */
export type Finding<F extends TriggerFamily = TriggerFamily> = F extends TriggerFamily
  ? FindingBase<F>
  : never;

/** The detail variant of a family with a given source, e.g. `DetailOf<'patch.failed', 'command-invocation'>`. */
export type DetailOf<F extends TriggerFamily, S extends FindingDetails[F]['source']> = Extract<
  FindingDetails[F],
  { source: S }
>;

export interface CalendarFact {
  state: 'OPEN' | 'CLOSED';
  calendars: string[];
  nextTransitionTime?: string;
  /**
   * Set by the engine when no calendar applies although the remediation relies on the stage default
   * (the stage has no defaultCalendars): the calendar gate fails closed (`no-calendar`).
   */
  unset?: true;
}

export interface InstanceFact {
  instanceId: string;
  pingStatus: 'Online' | 'ConnectionLost' | 'Inactive' | 'Unknown';
  platformType?: string;
  lastPingDateTime?: string;
}

/** What the decision needs beyond the event, read through ports before deciding. */
export interface Facts {
  now: string;
  killSwitch: boolean;
  mode: Mode;
  tags: Record<string, string>;
  calendar: CalendarFact;
  instances?: Record<string, InstanceFact>;
  /** association.failed: the instance's State Manager associations SSM reports Failed (DescribeInstanceAssociationsStatus). */
  associations?: AssociationFact[];
}

/** One association on an instance, as DescribeInstanceAssociationsStatus reports it. */
export interface AssociationFact {
  associationId: string;
  name?: string;
  status: string;
  executionDate?: string;
}

/** Parameters as SSM takes them: each value a list of strings. */
export type DocumentParameters = Record<string, string[]>;

/** Start one SSM Automation runbook: carried out by the executor (src/core/execute.ts). */
export interface StartAutomationAction {
  kind: 'startAutomation';
  document: string;
  parameters: DocumentParameters;
}

/** Send one Run Command, with its rate control: carried out by the executor (the fan-out merges them). */
export interface SendCommandAction {
  kind: 'sendCommand';
  document: string;
  parameters: DocumentParameters;
  instanceIds: string[];
  maxConcurrency: string;
  maxErrors: string;
  timeoutSeconds: number;
}

/** An SSM call the executor makes. */
export type CallAction = StartAutomationAction | SendCommandAction;

/** Nothing to do: the decision ends `skipped` with this code and reason (announced like every outcome). */
export interface SkipAction {
  kind: 'skip';
  reason: string;
  code: SkipReason;
}

/**
 * The plan contract: every kind is carried out. `startAutomation` and `sendCommand` by the one executor
 * (src/core/execute.ts, in order); `skip` ends the decision (src/core/decide.ts). A plan returns
 * calls, or one skip, never both (`PlanResult`). There is no `notify` (every outcome is announced)
 * and no `defer` (the calendar, budget and admission gates hold work in the ledger and release it).
 */
export type Action = CallAction | SkipAction;

/** What `plan` returns: the SSM calls to make, in order, or one skip (an empty list: nothing to do). */
export type PlanResult = CallAction[] | [SkipAction];

export type OutcomeKind = 'started' | 'succeeded' | 'failed' | 'deferred' | 'skipped' | 'rejected';

export type SkipReason =
  | 'shadow'
  | 'disabled'
  | 'kill-switch'
  | 'opted-out'
  | 'duplicate'
  | 'cooldown'
  | 'budget'
  | 'circuit-open'
  | 'no-match'
  | 'agent-offline'
  /** An agent.disconnected event for an agent SSM reports Online with a fresh ping (stale or forged). */
  | 'agent-online'
  | 'already-compliant'
  | 'calendar-closed'
  /**
   * Fail closed: no change calendar applies (the stage has no defaultCalendars and the remediation
   * names none) and the remediation is not exempt (`calendars: []` with a calendarExemption).
   */
  | 'no-calendar'
  /** The event reports the failure of a command the service itself started: completion reports it. */
  | 'own-action'
  /**
   * association.failed: the association failed again after the service re-applied it within the
   * cooldown window: escalated (announced once), not retried.
   */
  | 'failed-again'
  /** Mode `approve`: an approver rejected the plan (the outcome names who). */
  | 'rejected-by'
  /** Mode `approve`: nobody approved the plan within the remediation's approvalTimeout. */
  | 'approval-timeout';

/** Why work is held (deferred) rather than done now; the ledger keeps it (src/core/hold.ts). */
export type DeferCode =
  | 'calendar-closed'
  | 'budget'
  | 'gate-unreadable'
  /** Held: SSM refused to start it for now (throttling, 5xx, the concurrent-execution quota). */
  | 'transient-error'
  /** Held: the service's share of SSM's Automation quota is in use (src/core/admission.ts). */
  | 'admission'
  /** Held: mode `approve`, waiting for an approver (src/core/approval.ts). */
  | 'approval';

export type FailCode =
  | 'api-error'
  /** Ledger: the execution ended Failed/TimedOut/Cancelled. */
  | 'execution-failed'
  /** Ledger: the execution succeeded but Config still reports the resource non-compliant. */
  | 'not-fixed';

export type RejectCode = 'invalid-event' | 'invalid-parameters';

/** A guard that tripped (a `failed` outcome) or reset (a `succeeded` one): src/core/guard-report.ts. */
export type GuardCode = 'cooldown' | 'budget' | 'circuit-open';

/** The fields of every outcome, whatever its kind. */
export interface OutcomeBase {
  eventId: string;
  /** A sentence an operator can read. */
  reason: string;
  remediation?: string;
  family?: TriggerFamily;
  resourceType?: string;
  resourceId?: string;
  account?: string;
  region?: string;
  mode?: Mode;
  actions: Action[];
  /** Who asked for it: the operator's identity (a `Remediation Requested` or `Backfill Requested` event). */
  requestedBy?: string;
  /** How the finding came: `operator` (remediator remediate) or `backfill`; unset for AWS's events. */
  origin?: 'operator' | 'backfill';
  /** Mode `approve`: the approval request (held for approval), and who approved it (when acting). */
  approvalId?: string;
  approvedBy?: string;
  at: string;
}

/** The executor started it (`executionId`: the last execution SSM took; unset before the executor ran). */
export interface StartedOutcome extends OutcomeBase {
  outcome: 'started';
  code?: undefined;
  executionId?: string;
}
/** The execution ended well (`verified`: Config confirmed the fix), or a guard reset. */
export interface SucceededOutcome extends OutcomeBase {
  outcome: 'succeeded';
  code?: 'verified' | GuardCode;
  executionId?: string;
}
/** The execution failed, SSM refused it for good, held work expired, or a guard tripped. */
export interface FailedOutcome extends OutcomeBase {
  outcome: 'failed';
  code: FailCode | GuardCode;
  executionId?: string;
}
/** Nothing done, for good (`executionId`: the execution of a duplicate or of the service's own action). */
export interface SkippedOutcome extends OutcomeBase {
  outcome: 'skipped';
  /** `deferral-expired`: held work the calendar (or SSM) never released in time, dropped. */
  code?: SkipReason | 'deferral-expired';
  executionId?: string;
}
/** Held: the ledger keeps the work and the reconcile sweep releases it (`nextTransitionTime`: the calendar's). */
export interface DeferredOutcome extends OutcomeBase {
  outcome: 'deferred';
  code: DeferCode;
  nextTransitionTime?: string;
  executionId?: undefined;
}
/** The event (or a parameter taken from it) was invalid: `field` names it. */
export interface RejectedOutcome extends OutcomeBase {
  outcome: 'rejected';
  code: RejectCode;
  field?: string;
  executionId?: undefined;
}

/** How one (finding, remediation) pair ended: a union by `outcome`. Every event ends in outcomes. */
export type Outcome =
  StartedOutcome | SucceededOutcome | FailedOutcome | SkippedOutcome | DeferredOutcome | RejectedOutcome;

/** Every outcome code, whatever the kind. */
export type OutcomeCode = NonNullable<Outcome['code']>;

/** An outcome before it is stamped with its time (a decision's, or a plan member's). */
export type DecidedOutcome<O extends Outcome = Outcome> = O extends Outcome ? Omit<O, 'at'> : never;

const BASE_KEYS = [
  'eventId',
  'reason',
  'remediation',
  'family',
  'resourceType',
  'resourceId',
  'account',
  'region',
  'mode',
  'actions',
  'requestedBy',
  'origin',
  'approvalId',
  'approvedBy',
  'at',
] as const satisfies readonly (keyof OutcomeBase)[];

/**
 * The fields of an outcome every kind carries: the start of an outcome of another kind (a decision
 * that ends held, a start that fails), without the fields only its own kind carries.
 */
export function outcomeBase(o: DecidedOutcome | Outcome): Omit<OutcomeBase, 'at'> & { at?: string } {
  const out: Record<string, unknown> = {};
  for (const k of BASE_KEYS)
    if (k in o && (o as Record<string, unknown>)[k] !== undefined) out[k] = (o as Record<string, unknown>)[k];
  return out as Omit<OutcomeBase, 'at'> & { at?: string };
}

/** Why work is held in the ledger (src/core/hold.ts; docs/guards.md). */
export const HOLD_CODES = [
  'calendar-closed',
  'gate-unreadable',
  'transient-error',
  'budget',
  'admission',
  'approval',
] as const;
export type HoldCode = (typeof HOLD_CODES)[number];
