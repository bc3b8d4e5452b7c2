/**
 * Backfill: what was NON_COMPLIANT before the deployment. AWS Config emits an event only when a
 * resource's compliance changes, so a resource already non-compliant on day one never reaches the
 * service. Backfill lists, for each Config rule a remediation declares (`configRules`), every resource
 * Config records NON_COMPLIANT now, and feeds each through `handleFinding`: the same gates, ledger,
 * guards and notifications as an event. The finding carries Config's own ordering time, so an event
 * and a backfill of one evaluation share one claim and never both act.
 *
 * Rate: at most `limit` findings per run, `paceMs` apart, and the run stops at the first finding SSM
 * would not take now (`deferred: transient-error`, or `admission`: the service's share of the quota) or the hourly budget holds
 * (`deferred: budget`): what is left is still NON_COMPLIANT in Config, and the next run takes it. A
 * (remediation, resource) that backfill fed is marked in the ledger and not fed again for
 * `refeedHours`; one the ledger holds (a deferral) is left to the reconcile sweep.
 */
import type { BackfillMarksPort, NonCompliantPort, NonCompliantResource } from '../ports/backfill.ts';
import { handleFinding, type EngineDeps } from './engine.ts';
import { errorMessage } from '../model/errors.ts';
import type { Registry } from './registry.ts';
import { uuidV5 } from './token.ts';
import { BACKFILL_REQUESTED, backfillRequested, operatorEventType } from '../events/operator.ts';
import type { Finding, Outcome } from '../model/types.ts';

export interface BackfillDeps extends EngineDeps {
  nonCompliant: NonCompliantPort;
  marks: BackfillMarksPort;
  /** Waits between findings (virtual time in the sandbox). */
  sleep: (ms: number) => Promise<void>;
}

export interface BackfillOptions {
  /** Findings fed in this run, at most. */
  limit: number;
  /** Only these remediations' rules (default: every remediation that declares configRules). */
  remediations?: string[];
  /** Who asked (an operator's ARN); unset for the scheduled run. */
  requestedBy?: string;
  /** Between two findings fed (default 500 ms: 2 a second, well under SSM's start rate). */
  paceMs?: number;
  /** A resource fed is not fed again for this long (default 24 h). */
  refeedHours?: number;
  /** List what it would feed; feed nothing, mark nothing. */
  dryRun?: boolean;
}

/** One Config rule backfill reads, with the remediations that answer it. */
export interface BackfillTarget {
  rule: string;
  resourceType: string;
  remediations: string[];
}

export interface BackfillItem {
  rule: string;
  resourceType: string;
  resourceId: string;
  orderingTime: string;
  remediations: string[];
  result: 'fed' | 'would-feed' | 'error';
  outcomes?: Pick<Outcome, 'remediation' | 'outcome' | 'code'>[];
  error?: string;
}

export interface BackfillReport {
  targets: BackfillTarget[];
  /** NON_COMPLIANT resources Config listed (of the rules' resource types). */
  listed: number;
  /** Left alone: fed within the refeed window, or held in the ledger. */
  seen: number;
  fed: number;
  /** Why the run ended early: `limit`, `transient-error` (SSM busy), `budget`, `config: …`. */
  stoppedBy?: string;
  items: BackfillItem[];
}

export const BACKFILL_PACE_MS = 500;
export const BACKFILL_REFEED_HOURS = 24;
const MARK_TTL_DAYS = 30;

/** The rules backfill reads: every config.noncompliant remediation's `configRules` (or the named ones'). */
export function backfillTargets(registry: Registry, only?: readonly string[]): BackfillTarget[] {
  if (only) {
    const unknown = only.filter((id) => !registry.get(id));
    if (unknown.length) throw new Error(`unknown remediation(s): ${unknown.join(', ')}`);
  }
  const byRule = new Map<string, BackfillTarget>();
  for (const r of registry.all()) {
    if (r.trigger !== 'config.noncompliant' || (only && !only.includes(r.id))) continue;
    for (const ref of r.configRules ?? []) {
      const key = `${ref.rule}|${ref.resourceType}`;
      const t = byRule.get(key) ?? { rule: ref.rule, resourceType: ref.resourceType, remediations: [] };
      t.remediations.push(r.id);
      byRule.set(key, t);
    }
  }
  return [...byRule.values()];
}

/** The finding backfill feeds for one NON_COMPLIANT resource: what Config's change event would have said. */
export function backfillFinding(
  r: NonCompliantResource,
  where: { account: string; region: string },
  requestedBy?: string,
): Finding {
  const eventId = `backfill-${uuidV5(`backfill\n${r.rule}\n${r.resourceType}\n${r.resourceId}\n${r.orderingTime}`)}`;
  return {
    family: 'config.noncompliant',
    eventId,
    account: where.account,
    region: where.region,
    resourceType: r.resourceType,
    resourceId: r.resourceId,
    rule: r.rule,
    orderingTime: r.orderingTime,
    time: r.orderingTime,
    detail: {
      source: 'backfill',
      ...(r.annotation ? { annotation: r.annotation } : {}),
      ...(requestedBy ? { requestedBy } : {}),
    },
  };
}

/** Why a run stops after these outcomes: SSM would not start now, or the hourly budget is spent. */
function stopCause(outcomes: Outcome[]): string | undefined {
  const held = outcomes.find(
    (o) =>
      o.outcome === 'deferred' &&
      (o.code === 'transient-error' || o.code === 'budget' || o.code === 'admission'),
  );
  return held?.code;
}

/** One backfill run; see the module comment. Never throws for one resource: its error is reported. */
export async function runBackfill(deps: BackfillDeps, opts: BackfillOptions): Promise<BackfillReport> {
  const targets = backfillTargets(deps.registry, opts.remediations);
  const report: BackfillReport = { targets, listed: 0, seen: 0, fed: 0, items: [] };
  const home = deps.config.home ?? {};
  const where = { account: home.account ?? '', region: home.region ?? '' };
  const since = new Date(deps.now().getTime() - (opts.refeedHours ?? BACKFILL_REFEED_HOURS) * 3_600_000);
  const pace = opts.paceMs ?? BACKFILL_PACE_MS;
  const done = (cause: string): BackfillReport => ({ ...report, stoppedBy: cause });
  for (const t of targets) {
    try {
      for await (const r of deps.nonCompliant.list(t.rule)) {
        if (r.resourceType !== t.resourceType) continue;
        report.listed++;
        const fresh: string[] = [];
        for (const id of t.remediations)
          if (!(await deps.marks.seen(id, r.resourceId, since))) fresh.push(id);
        if (fresh.length === 0) {
          report.seen++;
          continue;
        }
        if (report.fed >= opts.limit) return done('limit');
        const item: BackfillItem = { ...r, remediations: fresh, result: 'would-feed' };
        report.items.push(item);
        if (opts.dryRun) {
          report.fed++;
          continue;
        }
        if (report.fed > 0 && pace > 0) await deps.sleep(pace);
        report.fed++;
        try {
          const outcomes = await handleFinding(backfillFinding(r, where, opts.requestedBy), deps);
          item.result = 'fed';
          item.outcomes = outcomes.map((o) => ({
            remediation: o.remediation,
            outcome: o.outcome,
            ...(o.code ? { code: o.code } : {}),
          }));
          const now = deps.now();
          for (const id of fresh) await deps.marks.mark(id, r.resourceId, now, MARK_TTL_DAYS);
          const cause = stopCause(outcomes);
          if (cause) return done(cause);
        } catch (e) {
          // Not marked: the next run feeds it again (Config still lists it).
          item.result = 'error';
          item.error = errorMessage(e);
          deps.log.error('backfill: finding not fed; the next run tries again', {
            rule: r.rule,
            resourceId: r.resourceId,
            error: item.error,
          });
        }
      }
    } catch (e) {
      // Config could not be read (throttled past the SDK's retries, denied): the next run starts over.
      deps.log.error('backfill: Config could not be listed', { rule: t.rule, error: errorMessage(e) });
      return done(`config: ${errorMessage(e)}`);
    }
  }
  return report;
}

/**
 * The reconcile function's backfill for one event: an operator's `Backfill Requested` (validated;
 * a malformed one is logged and dropped, nothing fed), or the schedule when `perRun` > 0. Anything
 * else (a calendar opening) runs none.
 */
export async function backfillFor(
  event: unknown,
  deps: BackfillDeps,
  perRun: number,
): Promise<BackfillReport | undefined> {
  if (operatorEventType(event) === BACKFILL_REQUESTED) {
    const d = backfillRequested.safeParse((event as { detail?: unknown }).detail);
    if (!d.success) {
      deps.log.error('backfill request rejected', {
        field: d.error.issues[0]?.path.join('.'),
        error: d.error.issues[0]?.message,
      });
      return undefined;
    }
    try {
      return await runBackfill(deps, {
        limit: d.data.limit,
        requestedBy: d.data.requestedBy,
        ...(d.data.remediations ? { remediations: d.data.remediations } : {}),
      });
    } catch (e) {
      deps.log.error('backfill request rejected', { error: errorMessage(e) });
      return undefined;
    }
  }
  const e = event as Record<string, unknown> | null;
  const scheduled = e?.['source'] === 'aws.events' && e['detail-type'] === 'Scheduled Event';
  return scheduled && perRun > 0 ? runBackfill(deps, { limit: perRun }) : undefined;
}
