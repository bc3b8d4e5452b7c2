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

/** An event normalised to what a decision needs. */
export interface Finding {
  family: TriggerFamily;
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
  detail: Record<string, string | number | boolean | undefined>;
}

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

export type Action =
  | { kind: 'startAutomation'; document: string; parameters: DocumentParameters }
  | {
      kind: 'sendCommand';
      document: string;
      parameters: DocumentParameters;
      instanceIds: string[];
      maxConcurrency: string;
      maxErrors: string;
      timeoutSeconds: number;
    }
  | { kind: 'notify'; message: string }
  | { kind: 'defer'; until?: string; reason: string }
  | { kind: 'skip'; reason: string; code?: SkipReason };

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

/** How one (finding, remediation) pair ended. Every event ends in outcomes. */
export interface Outcome {
  eventId: string;
  outcome: OutcomeKind;
  /** A sentence an operator can read. */
  reason: string;
  /** Machine-readable reason for skips and deferrals. */
  code?:
    | SkipReason
    | 'gate-unreadable'
    /** Held: SSM refused to start it for now (throttling, 5xx, the concurrent-execution quota). */
    | 'transient-error'
    /** Held: the service's share of SSM's Automation quota is in use (src/core/admission.ts). */
    | 'admission'
    /** Held: mode `approve`, waiting for an approver (src/core/approval.ts). */
    | 'approval'
    | 'invalid-event'
    | 'invalid-parameters'
    | 'api-error'
    /** Ledger: deferred work the calendar never released in time. */
    | 'deferral-expired'
    /** Ledger: the execution ended Failed/TimedOut/Cancelled. */
    | 'execution-failed'
    /** Ledger: the execution succeeded but Config still reports the resource non-compliant. */
    | 'not-fixed'
    /** Ledger: Config confirmed the fix. */
    | 'verified';
  remediation?: string;
  family?: TriggerFamily;
  resourceType?: string;
  resourceId?: string;
  account?: string;
  region?: string;
  mode?: Mode;
  actions: Action[];
  executionId?: string;
  /** For deferrals: when the calendar is expected to open. */
  nextTransitionTime?: string;
  /** For rejections: the field that was wrong. */
  field?: string;
  /** Who asked for it: the operator's identity (a `Remediation Requested` or `Backfill Requested` event). */
  requestedBy?: string;
  /** How the finding came: `operator` (remediator remediate) or `backfill`; unset for AWS's events. */
  origin?: 'operator' | 'backfill';
  /** Mode `approve`: the approval request (held for approval), and who approved it (when acting). */
  approvalId?: string;
  approvedBy?: string;
  at: string;
}
