/**
 * Completion: an execution the service started has ended. Matches `EC2 Automation Execution
 * Status-change Notification` and `EC2 Command Status-change Notification` (or a reconcile poll)
 * to the ledger's execution record, records the final status once, releases the in-flight lock,
 * asks Config to verify a Config fix, and reports the outcome with the failed step or the
 * per-instance counts. Executions the ledger does not know are not ours: ignored.
 */
import * as z from 'zod';
import type { Registry } from './registry.ts';
import type { LogPort, Notification, NotifierPort } from '../ports/index.ts';
import { errorMessage } from './errors.ts';
import { recordOutcome } from './record.ts';
import type {
  AutomationDetail,
  CommandDetail,
  CompliancePort,
  ExecutionsPort,
  LedgerStore,
  StoredExecution,
  TripKind,
} from './ledger-types.ts';
import { consoleUrl } from './notify.ts';
import type { Action, Outcome } from './types.ts';

export type Verdict = 'succeeded' | 'failed';

/** AutomationExecutionStatus values that end an execution (AWS-FACTS §1.3). */
export const AUTOMATION_TERMINAL: Readonly<Record<string, Verdict>> = {
  Success: 'succeeded',
  CompletedWithSuccess: 'succeeded',
  Failed: 'failed',
  TimedOut: 'failed',
  Cancelled: 'failed',
  Rejected: 'failed',
  CompletedWithFailure: 'failed',
  Exited: 'failed',
  ChangeCalendarOverrideRejected: 'failed',
};

/** Command statuses (and status details, spaces removed) that end a command (AWS-FACTS §2.4). */
export const COMMAND_TERMINAL: Readonly<Record<string, Verdict>> = {
  Success: 'succeeded',
  Failed: 'failed',
  TimedOut: 'failed',
  Cancelled: 'failed',
  DeliveryTimedOut: 'failed',
  ExecutionTimedOut: 'failed',
  Undeliverable: 'failed',
  Terminated: 'failed',
  InvalidPlatform: 'failed',
  AccessDenied: 'failed',
  RateExceeded: 'failed',
  Incomplete: 'failed',
  NoInstancesInTag: 'failed',
};

export function terminalVerdict(kind: 'automation' | 'command', status: string): Verdict | undefined {
  const table = kind === 'automation' ? AUTOMATION_TERMINAL : COMMAND_TERMINAL;
  return table[status.replace(/\s+/g, '')];
}

export interface CompletionSignal {
  kind: 'automation' | 'command';
  executionId: string;
  status: string;
  document?: string;
  /** The completion event's id (for logs); absent for a reconcile poll. */
  eventId?: string;
}

const automationEvent = z.object({
  source: z.literal('aws.ssm'),
  'detail-type': z.literal('EC2 Automation Execution Status-change Notification'),
  id: z.string().optional(),
  detail: z.object({
    ExecutionId: z.string().min(1).max(64),
    Status: z.string().min(1),
    Definition: z.string().optional(),
  }),
});

const commandEvent = z.object({
  source: z.literal('aws.ssm'),
  'detail-type': z.literal('EC2 Command Status-change Notification'),
  id: z.string().optional(),
  detail: z.object({
    'command-id': z.string().min(1).max(64),
    status: z.string().min(1),
    'document-name': z.string().optional(),
  }),
});

/** The completion an event reports, or undefined if it is not a completion event of either kind. */
export function parseCompletion(event: unknown): CompletionSignal | undefined {
  const a = automationEvent.safeParse(event);
  if (a.success) {
    const d = a.data.detail;
    return {
      kind: 'automation',
      executionId: d.ExecutionId,
      status: d.Status,
      ...(d.Definition ? { document: d.Definition } : {}),
      ...(a.data.id ? { eventId: a.data.id } : {}),
    };
  }
  const c = commandEvent.safeParse(event);
  if (c.success) {
    const d = c.data.detail;
    return {
      kind: 'command',
      executionId: d['command-id'],
      status: d.status,
      ...(d['document-name'] ? { document: d['document-name'] } : {}),
      ...(c.data.id ? { eventId: c.data.id } : {}),
    };
  }
  return undefined;
}

export interface LedgerRuntimeOptions {
  /** How long to wait for Config to confirm a fix before calling it "ran but not fixed". */
  verifyTimeoutMinutes: number;
  /** Deferred work older than this expires with a notification (DEFERRAL_MAX_AGE_HOURS). */
  deferralMaxAgeHours: number;
  /** In-flight executions older than this are polled by the reconcile sweep. */
  inFlightPollMinutes: number;
  /** How long a releaser holds a deferral. */
  deferralLeaseSeconds: number;
  /** How long a breaker trip stays announced before it may be announced again. */
  breakerHoldMinutes: number;
  /** Held work (gate unreadable, SSM busy, budget) that waits longer than this is announced once. */
  heldAnnounceMinutes: number;
}

export const DEFAULT_RUNTIME_OPTIONS: LedgerRuntimeOptions = {
  verifyTimeoutMinutes: 30,
  deferralMaxAgeHours: 168,
  inFlightPollMinutes: 5,
  deferralLeaseSeconds: 300,
  breakerHoldMinutes: 60,
  heldAnnounceMinutes: 60,
};

/** The runtime options from the parsed environment (src/config.ts). */
export function runtimeOptionsFromEnv(e: {
  VERIFY_TIMEOUT_MINUTES: number;
  DEFERRAL_MAX_AGE_HOURS: number;
  RECONCILE_POLL_MINUTES: number;
  BREAKER_WINDOW_MINUTES: number;
}): LedgerRuntimeOptions {
  return {
    ...DEFAULT_RUNTIME_OPTIONS,
    verifyTimeoutMinutes: e.VERIFY_TIMEOUT_MINUTES,
    deferralMaxAgeHours: e.DEFERRAL_MAX_AGE_HOURS,
    inFlightPollMinutes: e.RECONCILE_POLL_MINUTES,
    breakerHoldMinutes: e.BREAKER_WINDOW_MINUTES,
  };
}

export interface CompletionDeps {
  registry: Registry;
  ledger: LedgerStore;
  executions: ExecutionsPort;
  compliance: CompliancePort;
  notifier: NotifierPort;
  log: LogPort;
  now: () => Date;
  options: LedgerRuntimeOptions;
}

export type CompletionResult =
  | { status: 'ignored'; reason: string; executionId?: string }
  | { status: 'verifying'; executionId: string }
  | { status: 'closed'; executionId: string; outcomes: Outcome[] };

/** Handles one completion event. */
export async function handleCompletion(event: unknown, deps: CompletionDeps): Promise<CompletionResult> {
  const signal = parseCompletion(event);
  if (!signal) return ignored(deps, 'not an Automation or Command status-change event');
  const verdict = terminalVerdict(signal.kind, signal.status);
  if (!verdict) return ignored(deps, `status ${signal.status} is not terminal`, signal);
  const exec = await deps.ledger.getExecution(signal.executionId);
  if (!exec)
    return ignored(deps, `${signal.kind} ${signal.executionId} was not started by this service`, signal);
  return closeExecution(exec, signal.status, deps, signal.eventId);
}

function ignored(deps: CompletionDeps, reason: string, s?: CompletionSignal): CompletionResult {
  deps.log.info('completion ignored', {
    reason,
    executionId: s?.executionId,
    status: s?.status,
    eventId: s?.eventId,
  });
  return { status: 'ignored', reason, ...(s ? { executionId: s.executionId } : {}) };
}

/** The action the execution carried out, as the console link and the notifier expect it. */
function actionOf(exec: StoredExecution): Action {
  return exec.kind === 'automation'
    ? { kind: 'startAutomation', document: exec.document, parameters: {} }
    : {
        kind: 'sendCommand',
        document: exec.document,
        parameters: {},
        instanceIds: exec.resourceIds,
        maxConcurrency: '',
        maxErrors: '',
        timeoutSeconds: 0,
      };
}

export function automationReason(status: string, d: AutomationDetail | undefined): string {
  const doc = d?.document ? ` ${d.document}` : '';
  if (AUTOMATION_TERMINAL[status] === 'succeeded') return `Automation${doc} ended ${status}`;
  const step = d?.failedStep;
  if (step) {
    const action = step.action ? ` (${step.action})` : '';
    return `Automation${doc} ended ${status} at step ${step.name}${action}${step.message ? `: ${step.message}` : ''}`;
  }
  return `Automation${doc} ended ${status}${d?.failureMessage ? `: ${d.failureMessage}` : ''}`;
}

export function commandReason(status: string, d: CommandDetail | undefined): string {
  if (!d) return `Run Command ended ${status}`;
  const total = Object.values(d.counts).reduce((a, b) => a + b, 0);
  const counts = Object.entries(d.counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  const failed = d.invocations.filter((i) => i.status !== 'Success').slice(0, 5);
  const list = failed.length
    ? `; not successful: ${failed.map((f) => `${f.instanceId} (${f.detail ?? f.status})`).join(', ')}`
    : '';
  return `Run Command ended ${status}: ${total} instance(s): ${counts || 'no invocations'}${list}`;
}

/**
 * Closes one execution with its final SSM status (from an event or a poll). Conditional on the
 * ledger record still being in flight, so a duplicated completion event is reported once.
 */
export async function closeExecution(
  exec: StoredExecution,
  status: string,
  deps: CompletionDeps,
  eventId?: string,
): Promise<CompletionResult> {
  if (exec.phase !== 'in-flight') {
    return ignored(deps, `execution ${exec.executionId} was already closed (${exec.phase})`, {
      kind: exec.kind,
      executionId: exec.executionId,
      status,
      ...(eventId ? { eventId } : {}),
    });
  }
  const verdict = terminalVerdict(exec.kind, status) ?? 'failed';
  const now = deps.now();
  let reason: string;
  let perInstance: Record<string, string> | undefined;
  try {
    if (exec.kind === 'automation')
      reason = automationReason(status, await deps.executions.automation(exec.executionId));
    else {
      const d = await deps.executions.command(exec.executionId);
      reason = commandReason(status, d);
      perInstance = Object.fromEntries(d.invocations.map((i) => [i.instanceId, i.status]));
    }
  } catch (e) {
    deps.log.warn('execution details unavailable', { executionId: exec.executionId, error: errorMessage(e) });
    reason = `${exec.kind === 'automation' ? 'Automation' : 'Run Command'} ended ${status} (details unavailable: ${errorMessage(e)})`;
  }

  // A Config fix is verified before it is reported; anything else is done now. Either way the
  // transition is conditional: a duplicate completion (event and sweep) reports nothing twice.
  const verify = verdict === 'succeeded' && exec.family === 'config.noncompliant' && !!exec.rule;
  const finishedAt = now.toISOString();
  const won = await deps.ledger.transitionExecution(
    exec.executionId,
    'in-flight',
    verify ? 'verifying' : 'done',
    verify
      ? { status, finishedAt, verifyRequestedAt: finishedAt, reason }
      : { status, finishedAt, result: verdict, reason },
    now,
  );
  if (!won)
    return ignored(deps, `execution ${exec.executionId} was already closed`, {
      kind: exec.kind,
      executionId: exec.executionId,
      status,
    });
  await deps.ledger.releaseLocks(exec);

  if (verify) {
    try {
      await deps.compliance.reevaluate([exec.rule!]);
    } catch (e) {
      deps.log.warn('could not ask Config to re-evaluate; verification waits for its own evaluation', {
        executionId: exec.executionId,
        rule: exec.rule,
        error: errorMessage(e),
      });
    }
    deps.log.info('execution succeeded; waiting for Config to confirm the fix', {
      executionId: exec.executionId,
      rule: exec.rule,
    });
    return verifyExecution(
      { ...exec, phase: 'verifying', status, verifyRequestedAt: finishedAt, reason },
      deps,
    );
  }
  return finalize(
    exec,
    verdict,
    verdict === 'failed' ? 'execution-failed' : undefined,
    reason,
    deps,
    perInstance,
  );
}

/**
 * Verification of a Config fix: COMPLIANT → succeeded ("fixed"); NON_COMPLIANT re-evaluated after
 * the run, or still not compliant after the timeout → failed ("ran but not fixed"); else wait.
 */
export async function verifyExecution(
  exec: StoredExecution,
  deps: CompletionDeps,
): Promise<CompletionResult> {
  const now = deps.now();
  const rule = exec.rule!;
  const resourceId = exec.resourceIds[0]!;
  let c;
  try {
    c = await deps.compliance.check(rule, exec.resourceType, resourceId);
  } catch (e) {
    deps.log.warn('Config compliance unreadable; verification retried on the next sweep', {
      executionId: exec.executionId,
      error: errorMessage(e),
    });
    return { status: 'verifying', executionId: exec.executionId };
  }
  const requested = exec.verifyRequestedAt ?? exec.finishedAt ?? exec.startedAt;
  const timedOut = now.getTime() - Date.parse(requested) >= deps.options.verifyTimeoutMinutes * 60_000;
  let verdict: Verdict | undefined;
  let reason = '';
  if (c.compliance === 'COMPLIANT' || c.compliance === 'NOT_APPLICABLE') {
    verdict = 'succeeded';
    reason = `fixed: Config reports ${rule} ${c.compliance} for ${resourceId} after ${exec.reason ?? 'the run'}`;
  } else if (c.compliance === 'NON_COMPLIANT' && c.evaluatedAt && c.evaluatedAt >= requested) {
    verdict = 'failed';
    reason = `ran but not fixed: ${exec.reason ?? 'the run succeeded'}, yet Config re-evaluated ${rule} at ${c.evaluatedAt} and still reports ${resourceId} NON_COMPLIANT`;
  } else if (timedOut) {
    verdict = 'failed';
    reason = `ran but not fixed: ${exec.reason ?? 'the run succeeded'}, yet ${deps.options.verifyTimeoutMinutes} min later Config reports ${rule} ${c.compliance} for ${resourceId}`;
  }
  if (!verdict) return { status: 'verifying', executionId: exec.executionId };
  const won = await deps.ledger.transitionExecution(
    exec.executionId,
    'verifying',
    'done',
    { result: verdict, reason },
    now,
  );
  if (!won) return ignored(deps, `execution ${exec.executionId} was already verified`);
  return finalize(exec, verdict, verdict === 'succeeded' ? 'verified' : 'not-fixed', reason, deps);
}

async function finalize(
  exec: StoredExecution,
  verdict: Verdict,
  code: Outcome['code'],
  reason: string,
  deps: CompletionDeps,
  perInstance?: Record<string, string>,
): Promise<CompletionResult> {
  const now = deps.now();
  const base: Omit<Outcome, 'resourceId' | 'outcome' | 'reason'> = {
    eventId: exec.eventId,
    remediation: exec.remediationId,
    family: exec.family,
    resourceType: exec.resourceType,
    account: exec.account,
    region: exec.region,
    executionId: exec.executionId,
    actions: [actionOf(exec)],
    ...(code ? { code } : {}),
    at: now.toISOString(),
  };
  const outcomes: Outcome[] = exec.resourceIds.map((resourceId) => {
    const own = perInstance?.[resourceId];
    const ownVerdict =
      exec.resourceIds.length > 1 && own ? (own === 'Success' ? 'succeeded' : 'failed') : verdict;
    return {
      ...base,
      resourceId,
      outcome: ownVerdict,
      reason: exec.resourceIds.length > 1 && own ? `${own} on ${resourceId}; ${reason}` : reason,
    };
  });
  try {
    await deps.ledger.recordFinished(exec.remediationId, exec.executionId, verdict, now, reason);
  } catch (e) {
    deps.log.error('finished execution not recorded for the circuit breaker', {
      executionId: exec.executionId,
      error: errorMessage(e),
    });
  }
  await report(outcomes, deps);
  if (verdict === 'failed') await checkBreaker(exec.remediationId, deps);
  return { status: 'closed', executionId: exec.executionId, outcomes };
}

function titleOf(remediationId: string | undefined, deps: Pick<CompletionDeps, 'registry'>): string {
  return remediationId ? (deps.registry.get(remediationId)?.title ?? remediationId) : 'ssm-remediator';
}

const SEVERITY: Record<Outcome['outcome'], number> = {
  failed: 5,
  rejected: 4,
  deferred: 3,
  started: 2,
  skipped: 1,
  succeeded: 0,
};

/** Records every outcome in the ledger and sends one notification (aggregated for a fan-out). */
export async function report(
  outcomes: Outcome[],
  deps: Pick<CompletionDeps, 'ledger' | 'notifier' | 'log' | 'registry'>,
  title?: string,
): Promise<void> {
  if (outcomes.length === 0) return;
  for (const o of outcomes) {
    await recordOutcome(o, 'outcome', deps);
  }
  const headline = [...outcomes].sort((a, b) => SEVERITY[b.outcome] - SEVERITY[a.outcome])[0]!;
  const n: Notification = {
    outcome: headline,
    title: title ?? titleOf(headline.remediation, deps),
    ...(outcomes.length > 1 ? { outcomes } : {}),
  };
  const url = consoleUrl(headline);
  if (url) n.consoleUrl = url;
  try {
    await deps.notifier.notify(n);
  } catch (e) {
    deps.log.error('notification failed', {
      eventId: headline.eventId,
      remediation: headline.remediation,
      error: errorMessage(e),
    });
  }
}

/** A guard tripping or resetting, as an outcome an operator reads (and the ledger keeps). */
export function guardOutcome(
  kind: TripKind,
  scope: string,
  phase: 'tripped' | 'reset',
  reason: string,
  now: Date,
): Outcome {
  const remediation = kind === 'circuit-open' ? scope : kind === 'cooldown' ? scope.split('#')[0] : undefined;
  return {
    eventId: `guard:${kind}:${scope}:${now.toISOString()}`,
    outcome: phase === 'tripped' ? 'failed' : 'succeeded',
    code: kind === 'circuit-open' ? 'circuit-open' : kind,
    reason,
    ...(remediation ? { remediation } : {}),
    actions: [],
    at: now.toISOString(),
  };
}

export function guardTitle(kind: TripKind, scope: string, phase: 'tripped' | 'reset'): string {
  if (kind === 'budget')
    return phase === 'tripped' ? 'Account remediation budget spent' : 'Account remediation budget reset';
  if (kind === 'circuit-open')
    return phase === 'tripped' ? `Circuit breaker opened: ${scope}` : `Circuit breaker closed: ${scope}`;
  return phase === 'tripped' ? `Loop guard tripped: ${scope}` : `Loop guard reset: ${scope}`;
}

/** After a failure: if the remediation's breaker is now open, announce it once. */
export async function checkBreaker(remediationId: string, deps: CompletionDeps): Promise<void> {
  const now = deps.now();
  try {
    const b = await deps.ledger.breaker(remediationId, now);
    if (!b.open) return;
    const reason = b.reason ?? 'recent executions failed';
    if (
      await deps.ledger.openTrip(
        'circuit-open',
        remediationId,
        now,
        deps.options.breakerHoldMinutes * 60,
        reason,
      )
    ) {
      await report(
        [
          guardOutcome(
            'circuit-open',
            remediationId,
            'tripped',
            `circuit breaker opened: ${reason}; new findings are skipped until it closes`,
            now,
          ),
        ],
        deps,
        guardTitle('circuit-open', remediationId, 'tripped'),
      );
    }
  } catch (e) {
    deps.log.error('circuit breaker check failed', { remediation: remediationId, error: errorMessage(e) });
  }
}
