/**
 * Releasing held work. Work held for a retry (src/core/hold.ts: a gate that could not be read, SSM
 * busy, the budget spent) is released once its next try is due, and announced once if it waits
 * long. Work deferred by a CLOSED change calendar is released when a `Calendar State Change` to OPEN
 * arrives (the calendar is only in resources[0]) or, because those events are best effort, by the
 * periodic sweep. A release claims the deferral first (a lease, so it is never released twice),
 * re-checks that the resource still needs the fix, then runs the finding through the normal gates
 * with `handleFinding`. Work older than the maximum age expires (reported).
 */
import { report } from './announce.ts';
import { deferralExpired, waitsOn } from './deferral.ts';
import { revivedFinding } from '../events/stored-finding.ts';
import { handleFinding } from './engine.ts';
import { errorMessage } from '../model/errors.ts';
import { holdDue } from './hold.ts';
import { approvalStep } from './approval-release.ts';
import { heldWork } from './metrics.ts';
import type { ReconcileDeps } from './reconcile.ts';
import { admissionRoom } from './admission-release.ts';
import type { StoredDeferral } from '../ports/ledger-store.ts';
import type { Finding, Outcome, OutcomeBase } from '../model/types.ts';

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

function baseOutcome(d: StoredDeferral, now: Date): Omit<OutcomeBase, 'reason'> {
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
  filter: { calendarArn?: string; held?: StoredDeferral[]; room?: number; slots?: { n: number } } = {},
): Promise<ReleaseReport[]> {
  // `held`: the admission pass's oldest admission work (src/core/admission-pass.ts), not all of it;
  // `room`: the free slots that pass counted, so its items do not read the counter again each;
  // `slots`: a slot that pass already took, for the first of its items that starts (the pass gives it
  // back if none does).
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
  const busy: Busy = {
    ssm: false,
    admission: false,
    ...(filter.room ? { room: filter.room } : {}),
    ...(filter.slots ? { slots: filter.slots } : {}),
  };
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

/** What a sweep learned on its way: SSM refused a start, the share is in use, slots known free or taken. */
interface Busy {
  ssm: boolean;
  admission: boolean;
  room?: number;
  /** Slots the admission pass took: the plan that starts takes them (execute.ts), not the counter. */
  slots?: { n: number };
}

/**
 * Whether admission work may go through the gates now: a slot the pass took and no item used yet,
 * a slot counted free by the pass, or the counter read.
 */
async function roomNow(busy: Busy, deps: ReconcileDeps): Promise<boolean> {
  if (busy.slots?.n) return true;
  if (busy.room) {
    busy.room--;
    return true;
  }
  return admissionRoom(deps);
}

async function releaseReported(
  d: StoredDeferral,
  deps: ReconcileDeps,
  stateOf: (calendars: string[]) => Promise<'OPEN' | 'CLOSED'>,
  busy: Busy,
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
  busy: Busy = { ssm: false, admission: false },
): Promise<Omit<ReleaseReport, 'remediationId' | 'resourceId'>> {
  const now = deps.now();
  const { options } = deps;
  const code = d.code ?? 'calendar-closed';
  // Approval holds end by the approver or the timeout (src/core/approval-release.ts), not by age.
  const approval = code === 'approval' ? await approvalStep(d, deps, now) : undefined;
  if (approval) return approval === 'release' ? release(d, now, deps, busy) : approval;
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
    if (code === 'admission' && (busy.admission || !(await roomNow(busy, deps)))) {
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
  return release(d, now, deps, busy);
}

/** Leases the item, re-checks Config, and runs the finding through every gate again. */
async function release(
  d: StoredDeferral,
  now: Date,
  deps: ReconcileDeps,
  busy: Busy,
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

  const outcomes = await handleFinding(finding, deps, {
    attempts: d.attempts ?? 0,
    ...(busy.slots ? { slots: busy.slots } : {}),
  });
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
