/**
 * The rehearsal's verdict, judged from the world rather than from the service's own log lines: at the
 * end of the drain, for each distinct finding (trigger, resource) the sandbox's state says whether it is
 *
 * - `fixed`: the world shows it fixed (Config evaluates the resource COMPLIANT; a patch command of the
 *   service succeeded on the instance; the agent is Online again, or an execution diagnosed it);
 * - `excused`: the service announced, on the results topic, why it will not act (shadow, opted out, no
 *   remediation, kill switch, a guard, an announced failure), each with the notification that said so;
 * - `pending`: the service holds it durably and will come back to it: a deferral in the ledger (with
 *   when it is retried), an execution the ledger still follows, a message in one of its queues, an
 *   execution still running;
 * - `dropped`: none of these — the work was forgotten;
 * - `undelivered`: every event about it was lost by the bus's drop fault before the service could see
 *   it (AWS's best-effort delivery; not the service's doing, listed apart).
 *
 * The judgement is a pure function of `ConvergenceWorld` (gathered by ./run.ts from the account).
 */

export type ConvergenceState = 'fixed' | 'excused' | 'pending' | 'dropped' | 'undelivered';

/** One distinct finding as the world saw it happen. */
export interface WorldFinding {
  /** `config:<rule>`, `patch` or `agent`. */
  trigger: string;
  resource: string;
  /** Some event about it reached the service (or, for agents, the service itself announced it). */
  delivered: boolean;
  /** Non-compliant before the deployment (no event): only backfill brings it to the service. */
  preexisting?: boolean;
}

/** A notification the service published on its results topic, reduced to one resource. */
export interface Notice {
  resource: string;
  /** The finding's trigger, when the notice names an event the world knows (else it may be any). */
  trigger?: string;
  /** The event the notice is about. */
  eventId?: string;
  outcome: string;
  code?: string;
  title: string;
  remediation?: string;
}

export interface ConvergenceWorld {
  findings: WorldFinding[];
  /** Config's recorded compliance of a resource for a rule. */
  compliance(rule: string, resource: string): string | undefined;
  /** A patch command the service ran succeeded on the instance. */
  patched(instance: string): string | undefined;
  /** Every State Manager association on the instance last succeeded (association.failed), if so how. */
  associated?(instance: string): string | undefined;
  /** The agent's ping status now. */
  ping(instance: string): string | undefined;
  /** An execution that succeeded on the instance (a diagnosis or a restart). */
  diagnosed(instance: string): string | undefined;
  /** Executions or commands of the service still running for the resource. */
  running(resource: string): string | undefined;
  /** Results-topic notifications, in order. */
  notices: Notice[];
  /** Deferrals in the ledger. */
  /** Held work in the ledger: why it waits (code) and when it is tried again (nextTryAt, or the calendar's transition). */
  deferrals: {
    remediationId: string;
    resourceId: string;
    code?: string;
    nextTransitionTime?: string;
    nextTryAt?: string;
  }[];
  /** Executions the ledger still follows (in flight, or verifying the fix): the reconcile sweep comes back to them. */
  followed: { executionId: string; phase: string; resourceIds: string[] }[];
  /** Messages still in a queue that mention the resource. */
  queued(resource: string): { queue: string; messageId: string } | undefined;
}

export interface ConvergenceItem {
  trigger: string;
  resource: string;
  state: ConvergenceState;
  /** What in the world shows it (fixed), the announcing notification (excused), what holds it (pending), or the last word on it (dropped). */
  why: string;
  code?: string;
  /** Pending deferrals: when the service will look again. */
  retryAt?: string;
}

export interface ConvergenceReport {
  findings: number;
  fixed: number;
  excused: number;
  pending: number;
  dropped: number;
  undelivered: number;
  /** Excused findings by the code of the notification that announced them. */
  excusedBy: Record<string, number>;
  /** Findings non-compliant before the deployment (scenario `preexisting`), and how they ended. */
  preexisting?: { findings: number; fixed: number; excused: number; pending: number; dropped: number };
  /** Every dropped finding, then every pending one (up to 50 in all). */
  items: ConvergenceItem[];
}

/** Codes by which the service excuses itself when it announces them (skips, and failures it reported). */
const EXCUSES = new Set([
  'shadow',
  'opted-out',
  'disabled',
  'no-match',
  'kill-switch',
  'agent-offline',
  'cooldown',
  'circuit-open',
  'budget',
  'invalid-event',
  'invalid-parameters',
  'execution-failed',
  'not-fixed',
  'api-error',
  'deferral-expired',
  // association.failed: failed again after its re-apply; escalated, not retried.
  'failed-again',
  // mode approve (docs/approvals.md): an approver rejected the plan, or nobody answered in time.
  'rejected-by',
  'approval-timeout',
]);

function judge(f: WorldFinding, w: ConvergenceWorld, notices: Map<string, Notice[]>): ConvergenceItem {
  const base = { trigger: f.trigger, resource: f.resource };
  const fixed = ((): string | undefined => {
    if (f.trigger.startsWith('config:')) {
      const c = w.compliance(f.trigger.slice('config:'.length), f.resource);
      return c === 'COMPLIANT' ? 'Config evaluates it COMPLIANT' : undefined;
    }
    if (f.trigger === 'patch') {
      const cmd = w.patched(f.resource);
      return cmd ? `patch command ${cmd} succeeded on it` : undefined;
    }
    if (f.trigger === 'association') return w.associated?.(f.resource);
    if (w.ping(f.resource) === 'Online') return 'the agent is Online again';
    const x = w.diagnosed(f.resource);
    return x ? `execution ${x} succeeded on it` : undefined;
  })();
  if (fixed) return { ...base, state: 'fixed', why: fixed };
  const running = w.running(f.resource);
  if (running) return { ...base, state: 'pending', why: running };
  const deferral = w.deferrals.find((d) => d.resourceId === f.resource);
  if (deferral)
    return {
      ...base,
      state: 'pending',
      why: `deferral of ${deferral.remediationId} in the ledger`,
      ...(deferral.code ? { code: deferral.code } : {}),
      ...((deferral.nextTryAt ?? deferral.nextTransitionTime)
        ? { retryAt: deferral.nextTryAt ?? deferral.nextTransitionTime }
        : {}),
    };
  const followed = w.followed.find((x) => x.resourceIds.includes(f.resource));
  if (followed)
    return {
      ...base,
      state: 'pending',
      why: `execution ${followed.executionId} ${followed.phase} in the ledger (the reconcile sweep polls it)`,
    };
  const queued = w.queued(f.resource);
  if (queued) return { ...base, state: 'pending', why: `message ${queued.messageId} in ${queued.queue}` };
  // The notices about this finding's trigger; notices that name no known event only when there are none.
  const all = notices.get(f.resource) ?? [];
  const mine = all.filter((n) => n.trigger === f.trigger);
  const said = mine.length > 0 ? mine : all.filter((n) => !n.trigger);
  const last = said.at(-1);
  if (last?.code && EXCUSES.has(last.code))
    return {
      ...base,
      state: 'excused',
      code: last.code,
      why: `${last.outcome} (${last.code}): ${last.title}`,
    };
  if (!f.delivered)
    return { ...base, state: 'undelivered', why: 'every event about it was dropped by the bus' };
  return {
    ...base,
    state: 'dropped',
    why: last
      ? `last announced ${last.outcome}${last.code ? ` (${last.code})` : ''}, and nothing holds it`
      : 'never announced, and nothing holds it',
    ...(last?.code ? { code: last.code } : {}),
  };
}

export function judgeConvergence(w: ConvergenceWorld): ConvergenceReport {
  const notices = new Map<string, Notice[]>();
  for (const n of w.notices) notices.set(n.resource, [...(notices.get(n.resource) ?? []), n]);
  const seen = new Set<string>();
  const items: ConvergenceItem[] = [];
  for (const f of w.findings) {
    const key = `${f.trigger}|${f.resource}`;
    if (seen.has(key)) continue;
    seen.add(key);
    items.push(judge(f, w, notices));
  }
  const count = (s: ConvergenceState): number => items.filter((i) => i.state === s).length;
  const before = new Set(w.findings.filter((f) => f.preexisting).map((f) => `${f.trigger}|${f.resource}`));
  const old = items.filter((i) => before.has(`${i.trigger}|${i.resource}`));
  const countOld = (s: ConvergenceState): number => old.filter((i) => i.state === s).length;
  const excusedBy: Record<string, number> = {};
  for (const i of items)
    if (i.state === 'excused' && i.code) excusedBy[i.code] = (excusedBy[i.code] ?? 0) + 1;
  return {
    findings: items.length,
    fixed: count('fixed'),
    excused: count('excused'),
    pending: count('pending'),
    dropped: count('dropped'),
    undelivered: count('undelivered'),
    excusedBy: Object.fromEntries(Object.entries(excusedBy).sort(([a], [b]) => a.localeCompare(b))),
    ...(before.size > 0
      ? {
          preexisting: {
            findings: old.length,
            fixed: countOld('fixed'),
            excused: countOld('excused'),
            pending: countOld('pending'),
            dropped: countOld('dropped'),
          },
        }
      : {}),
    items: [
      ...items.filter((i) => i.state === 'dropped'),
      ...items.filter((i) => i.state === 'pending'),
    ].slice(0, 50),
  };
}

/** The notices an SNS results-topic message carries: one, or one per resource of a fan-out. */
export function noticesOf(message: string): Notice[] {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(message) as Record<string, unknown>;
  } catch {
    return [];
  }
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const title = str(m['title']) ?? '';
  const remediation = str(m['remediation']);
  const eventId = str(m['eventId']);
  const extra = { ...(remediation ? { remediation } : {}), ...(eventId ? { eventId } : {}) };
  const list = Array.isArray(m['outcomes']) ? (m['outcomes'] as Record<string, unknown>[]) : undefined;
  if (list)
    return list.flatMap((o) => {
      const resource = str(o['resourceId']);
      const outcome = str(o['outcome']);
      if (!resource || !outcome) return [];
      // A fan-out lists each resource's outcome with its code (src/adapters/notifier-sns.ts).
      const code = str(o['code']);
      return [{ resource, outcome, title, trigger: 'patch', ...extra, ...(code ? { code } : {}) }];
    });
  const resource = str((m['resource'] as Record<string, unknown> | undefined)?.['id']);
  const outcome = str(m['outcome']);
  if (!resource || !outcome) return [];
  const code = str(m['code']);
  return [{ resource, outcome, title, ...extra, ...(code ? { code } : {}) }];
}
