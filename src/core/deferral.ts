/**
 * Held work and the reconcile sweep. Work held for a retry (src/core/hold.ts: a gate that could
 * not be read, SSM busy, the budget spent) is released by the sweep once its next try is due, and
 * announced once if it waits long. Work deferred by a CLOSED change calendar is released when
 * a `Calendar State Change` to OPEN arrives (the calendar is only in resources[0]) or, because
 * those events are best effort, by the periodic sweep. A release claims the deferral first (a
 * lease, so it is never released twice), re-checks that the resource still needs the fix, then runs
 * the finding through the normal gates with `handleFinding`. The sweep also closes executions
 * whose completion events never came, verifies Config fixes, and announces guard resets.
 */
import * as z from 'zod';
import { handleFinding, type EngineDeps } from './engine.ts';
import { errorMessage } from './errors.ts';
import {
  closeExecution,
  report,
  terminalVerdict,
  verifyExecution,
  type CompletionDeps,
  type CompletionResult,
  type LedgerRuntimeOptions,
} from './completion.ts';
import { holdDue } from './hold.ts';
import { approvalStep } from './approval-release.ts';
import { heldWork } from './metrics.ts';
import { guardResets } from './guard-resets.ts';
import { admissionRoom, recoverByTag, type OwnExecutionsPort, type RecoveryReport } from './recovery.ts';

export { guardResets } from './guard-resets.ts';
import type { CompliancePort, ExecutionsPort, LedgerStore, StoredDeferral } from './ledger-types.ts';
import { TRIGGER_FAMILIES, type Finding, type Outcome } from './types.ts';

export type ReconcileDeps = EngineDeps & {
  ledger: LedgerStore;
  executions: ExecutionsPort;
  compliance: CompliancePort;
  options: LedgerRuntimeOptions;
  /** The service's own executions by tag (recovery, src/core/recovery.ts); unset: no recovery. */
  own?: OwnExecutionsPort;
};

const calendarEvent = z.object({
  source: z.literal('aws.ssm'),
  'detail-type': z.literal('Calendar State Change'),
  resources: z.array(z.string()).min(1),
  detail: z.object({
    state: z.enum(['OPEN', 'CLOSED']),
    atTime: z.string().optional(),
    nextTransitionTime: z.string().optional(),
  }),
});

/** The calendar and its new state, if the event is a `Calendar State Change`. */
export function parseCalendarEvent(
  event: unknown,
): { calendarArn: string; state: 'OPEN' | 'CLOSED' } | undefined {
  const r = calendarEvent.safeParse(event);
  return r.success ? { calendarArn: r.data.resources[0]!, state: r.data.detail.state } : undefined;
}

/** The document name of a calendar ARN (`arn:aws:ssm:r:a:document/Name` → `Name`), or the name itself. */
export function calendarName(ref: string): string {
  const i = ref.indexOf(':document/');
  return i >= 0 ? ref.slice(i + ':document/'.length) : ref;
}

/** Whether a deferral waits on this calendar (deferrals name calendars by name or by ARN). */
export function waitsOn(calendars: string[], calendarArn: string): boolean {
  const name = calendarName(calendarArn);
  return calendars.some((c) => c === calendarArn || calendarName(c) === name);
}

export function deferralExpired(
  d: Pick<StoredDeferral, 'deferredAt'>,
  now: Date,
  maxAgeHours: number,
): boolean {
  return now.getTime() - Date.parse(d.deferredAt) > maxAgeHours * 3_600_000;
}

const storedFinding = z.object({
  family: z.enum(TRIGGER_FAMILIES),
  eventId: z.string().min(1),
  account: z.string(),
  region: z.string(),
  resourceType: z.string().min(1),
  resourceId: z.string().min(1),
  rule: z.string().optional(),
  orderingTime: z.string().min(1),
  time: z.string().min(1),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.undefined()])),
});

/** The finding a deferral keeps, validated again before it is replayed. */
export function revivedFinding(d: StoredDeferral): Finding {
  return storedFinding.parse(d.finding);
}

export interface ReleaseReport {
  remediationId: string;
  resourceId: string;
  result:
    | 'released'
    | 'expired'
    | 'already-compliant'
    | 'still-closed'
    | 'waiting'
    | 'busy'
    | 'redeferred'
    | 'error';
  outcomes?: Outcome[];
  /** Held work announced by this sweep because it waited long. */
  announced?: Outcome;
  error?: string;
}

function baseOutcome(d: StoredDeferral, now: Date): Omit<Outcome, 'outcome' | 'reason' | 'code'> {
  return {
    eventId: d.eventId,
    remediation: d.remediationId,
    family: d.family,
    resourceType: d.resourceType,
    resourceId: d.resourceId,
    account: d.account,
    region: d.region,
    actions: [],
    at: now.toISOString(),
  };
}

/**
 * Releases deferred work whose calendars are OPEN (only the deferrals waiting on `calendarArn`,
 * when given), and expires work older than the maximum age.
 */
export async function releaseDeferrals(
  deps: ReconcileDeps,
  filter: { calendarArn?: string; held?: StoredDeferral[] } = {},
): Promise<ReleaseReport[]> {
  // `held`: the admission pass's oldest admission work (src/core/admission-pass.ts), not all of it.
  const all = filter.held ?? (await deps.ledger.listDeferrals());
  if (!filter.calendarArn && !filter.held) heldWork(deps.metrics, all, deps.now()); // the sweep sees all
  const states = new Map<string, Promise<'OPEN' | 'CLOSED'>>();
  const stateOf = (calendars: string[]) => {
    const k = [...calendars].sort().join('\n');
    if (!states.has(k))
      states.set(
        k,
        deps.calendar.state(calendars).then((s) => s.state),
      );
    return states.get(k)!;
  };
  const out: ReleaseReport[] = [];
  // Once SSM refuses one start in this sweep (quota, throttling), the rest of that work waits for the
  // next sweep instead of each asking SSM again.
  const busy = { ssm: false, admission: false };
  try {
    for (const d of all) {
      if (filter.calendarArn && !waitsOn(d.calendars, filter.calendarArn)) continue;
      const r = await releaseReported(d, deps, stateOf, busy);
      busy.ssm ||= !!r.outcomes?.some((o) => o.code === 'transient-error');
      // Admission work is released in arrival order: once one waits again, the later ones wait too.
      busy.admission ||= !!r.outcomes?.some((o) => o.code === 'admission');
      out.push(r);
    }
  } finally {
    // Work held long is announced once per item, in one notification per sweep (a storm is one message).
    const announced = out.flatMap((r) => (r.announced ? [r.announced] : []));
    if (announced.length)
      await report(
        announced,
        deps,
        `${announced.length} finding(s) held over ${deps.options.heldAnnounceMinutes} min`,
      );
  }
  return out;
}

async function releaseReported(
  d: StoredDeferral,
  deps: ReconcileDeps,
  stateOf: (calendars: string[]) => Promise<'OPEN' | 'CLOSED'>,
  busy: { ssm: boolean; admission: boolean },
): Promise<ReleaseReport> {
  const r = { remediationId: d.remediationId, resourceId: d.resourceId };
  let out: ReleaseReport;
  try {
    out = { ...r, ...(await releaseOne(d, deps, stateOf, busy)) };
  } catch (e) {
    deps.log.error('deferred work not released; retried on the next sweep', {
      ...r,
      error: errorMessage(e),
    });
    out = { ...r, result: 'error', error: errorMessage(e) };
  }
  if (!STILL_HELD.has(out.result)) return out;
  try {
    const announced = await announceLongHold(d, deps.now(), deps);
    return announced ? { ...out, announced } : out;
  } catch (e) {
    deps.log.warn('long-held work not announced; tried on the next sweep', { ...r, error: errorMessage(e) });
    return out;
  }
}

/** Release results after which the work is still held. */
const STILL_HELD = new Set<ReleaseReport['result']>([
  'waiting',
  'redeferred',
  'busy',
  'still-closed',
  'error',
]);

async function releaseOne(
  d: StoredDeferral,
  deps: ReconcileDeps,
  stateOf: (calendars: string[]) => Promise<'OPEN' | 'CLOSED'>,
  busy = { ssm: false, admission: false },
): Promise<Omit<ReleaseReport, 'remediationId' | 'resourceId'>> {
  const now = deps.now();
  const { options } = deps;
  const code = d.code ?? 'calendar-closed';
  const approval = code === 'approval' ? await approvalStep(d, deps, now) : undefined;
  if (approval) return approval === 'release' ? release(d, now, deps) : approval;
  if (deferralExpired(d, now, options.deferralMaxAgeHours)) {
    const lease = await deps.ledger.leaseDeferral(
      d.remediationId,
      d.resourceId,
      now,
      options.deferralLeaseSeconds,
    );
    if (!lease || !(await deps.ledger.dropDeferral(d.remediationId, d.resourceId, lease)))
      return { result: 'busy' };
    const waited =
      code === 'calendar-closed'
        ? `waiting for ${d.calendars.join(', ')} to open`
        : `held (${code}) after ${d.attempts ?? 1} tries: ${d.heldReason ?? 'no reason recorded'}`;
    const o: Outcome = {
      ...baseOutcome(d, now),
      outcome: 'skipped',
      code: 'deferral-expired',
      reason: `deferred since ${d.deferredAt} ${waited}; dropped after ${options.deferralMaxAgeHours} h. Re-run it by hand if it is still needed`,
    };
    await report([o], deps);
    return { result: 'expired', outcomes: [o] };
  }

  if (code !== 'calendar-closed') {
    if (!holdDue(d, now) || (code === 'transient-error' && busy.ssm)) return { result: 'waiting' };
    // Admission work waits while the service's share is in use, without a pass through the gates.
    if (code === 'admission' && (busy.admission || !(await admissionRoom(deps)))) {
      busy.admission = true;
      return { result: 'waiting' };
    }
    // Budget work waits while the budget is still spent, without a pass through the gates.
    if (code === 'budget' && (await deps.ledger.startedLastHour(now)) >= deps.config.limits.budgetPerHour)
      return { result: 'waiting' };
  } else if ((await stateOf(d.calendars)) !== 'OPEN') {
    // Only what can run now: a CLOSED calendar would just defer it again (and notify again).
    return { result: 'still-closed' };
  }
  return release(d, now, deps);
}

/** Leases the item, re-checks Config, and runs the finding through every gate again. */
async function release(
  d: StoredDeferral,
  now: Date,
  deps: ReconcileDeps,
): Promise<Omit<ReleaseReport, 'remediationId' | 'resourceId'>> {
  const { options } = deps;
  const lease = await deps.ledger.leaseDeferral(
    d.remediationId,
    d.resourceId,
    now,
    options.deferralLeaseSeconds,
  );
  if (!lease) return { result: 'busy' };

  let finding: Finding;
  try {
    finding = revivedFinding(d);
  } catch (e) {
    await deps.ledger.dropDeferral(d.remediationId, d.resourceId, lease);
    deps.log.error('deferred finding is unreadable; dropped', {
      remediation: d.remediationId,
      resourceId: d.resourceId,
      error: errorMessage(e),
    });
    return { result: 'error', error: errorMessage(e) };
  }

  if (finding.family === 'config.noncompliant' && finding.rule) {
    // Throws (and the lease lapses) if Config cannot be read: the next sweep tries again.
    const c = await deps.compliance.check(finding.rule, finding.resourceType, finding.resourceId);
    if (c.compliance === 'COMPLIANT' || c.compliance === 'NOT_APPLICABLE') {
      await deps.ledger.dropDeferral(d.remediationId, d.resourceId, lease);
      const o: Outcome = {
        ...baseOutcome(d, now),
        outcome: 'skipped',
        code: 'already-compliant',
        reason: `Config reports ${finding.rule} ${c.compliance} for ${finding.resourceId} now; the deferred fix is no longer needed`,
      };
      await report([o], deps);
      return { result: 'already-compliant', outcomes: [o] };
    }
  }

  const outcomes = await handleFinding(finding, deps, { attempts: d.attempts ?? 0 });
  // Held again (a calendar that closed again, a gate still unreadable, SSM still busy): the engine's
  // recordDeferral drops our lease, so the item stays with its next try pushed back.
  const dropped = await deps.ledger.dropDeferral(d.remediationId, d.resourceId, lease);
  return { result: dropped ? 'released' : 'redeferred', outcomes };
}

/** Held work that has waited longer than `heldAnnounceMinutes`: marked, and its outcome to announce, once. */
async function announceLongHold(
  d: StoredDeferral,
  now: Date,
  deps: ReconcileDeps,
): Promise<Outcome | undefined> {
  const code = d.code ?? 'calendar-closed';
  // Calendar and approval holds were announced when held; expired work is announced by its expiry.
  if (code === 'calendar-closed' || code === 'approval') return undefined;
  if (deferralExpired(d, now, deps.options.deferralMaxAgeHours)) return undefined;
  const waitedMs = now.getTime() - Date.parse(d.deferredAt);
  if (d.announcedAt || waitedMs < deps.options.heldAnnounceMinutes * 60_000) return undefined;
  if (!(await deps.ledger.markHoldAnnounced(d.remediationId, d.resourceId, now))) return undefined;
  return {
    ...baseOutcome(d, now),
    outcome: 'deferred',
    code,
    reason: `held since ${d.deferredAt} (${Math.round(waitedMs / 60_000)} min, ${d.attempts ?? 1} tries): ${d.heldReason ?? code}; tried again${d.nextTryAt ? ` from ${d.nextTryAt}` : ''} until it ends (expires after ${deps.options.deferralMaxAgeHours} h)`,
  };
}

export interface SweepReport {
  /** Executions found by tag that the ledger missed (src/core/recovery.ts). */
  recovery?: RecoveryReport;
  closed: CompletionResult[];
  verified: CompletionResult[];
  deferrals: ReleaseReport[];
  resets: string[];
}

/** The scheduled sweep: missed completions, pending verifications, deferred work, guard resets. */
export async function reconcileSweep(deps: ReconcileDeps): Promise<SweepReport> {
  const now = deps.now();
  const cdeps: CompletionDeps = deps;
  // First the executions the ledger missed (a lost write), so the poll below and the counter see them.
  const recovery = await recoverByTag(deps);
  const closed: CompletionResult[] = [...recovery.closed];
  const stale = await deps.ledger.listInFlight(
    new Date(now.getTime() - deps.options.inFlightPollMinutes * 60_000),
  );
  for (const exec of stale) {
    try {
      const status =
        exec.kind === 'automation'
          ? (await deps.executions.automation(exec.executionId)).status
          : (await deps.executions.command(exec.executionId)).status;
      if (terminalVerdict(exec.kind, status)) closed.push(await closeExecution(exec, status, cdeps));
    } catch (e) {
      deps.log.warn('in-flight execution could not be polled', {
        executionId: exec.executionId,
        error: errorMessage(e),
      });
    }
  }

  const verified: CompletionResult[] = [];
  for (const exec of await deps.ledger.listVerifying()) {
    try {
      verified.push(await verifyExecution(exec, cdeps));
    } catch (e) {
      deps.log.warn('verification failed', { executionId: exec.executionId, error: errorMessage(e) });
    }
  }

  // Resets first: the reset notice says how much held work this sweep now releases.
  const resets = await guardResets(deps);
  const deferrals = await releaseDeferrals(deps);
  return { recovery, closed, verified, deferrals, resets };
}

/** The reconcile function's whole job for one event: a calendar that opened, or the schedule. */
export async function reconcile(event: unknown, deps: ReconcileDeps): Promise<SweepReport> {
  const cal = parseCalendarEvent(event);
  if (cal) {
    if (cal.state !== 'OPEN') return { closed: [], verified: [], deferrals: [], resets: [] };
    deps.log.info('calendar opened; releasing deferred work', { calendar: cal.calendarArn });
    return {
      closed: [],
      verified: [],
      deferrals: await releaseDeferrals(deps, { calendarArn: cal.calendarArn }),
      resets: [],
    };
  }
  return reconcileSweep(deps);
}
