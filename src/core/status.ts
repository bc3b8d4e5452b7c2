/**
 * `remediator status`: a stage's state at a glance, read-only. The CLI gathers the facts (Parameter
 * Store, the ledger, the queues); this module judges and words them. Pure.
 */
import type { BreakerState, StoredDeferral, StoredExecution, Trip } from '../ports/ledger-store.ts';
import { HOLD_CODES, MODES, type Mode, type TriggerFamily } from '../model/types.ts';

export interface StatusFacts {
  stage: string;
  now: Date;
  killSwitch?: string;
  remediations: {
    id: string;
    trigger: TriggerFamily;
    defaultMode: Mode;
    mode?: string;
    breaker: BreakerState;
  }[];
  startedLastHour: number;
  budgetPerHour: number;
  deferralMaxAgeHours: number;
  trips: Trip[];
  held: StoredDeferral[];
  inFlight: StoredExecution[];
  verifying: StoredExecution[];
  queues: { name: string; visible?: number; inFlight?: number }[];
}

export interface HeldItem {
  remediation: string;
  resource: string;
  code: string;
  reason: string;
  since: string;
  attempts: number;
  /** When it is tried again, in words. */
  releases: string;
  expiresAt: string;
}

export interface StatusReport {
  stage: string;
  at: string;
  killSwitch: { value: string | null; state: 'on' | 'off' | 'unreadable' };
  remediations: {
    id: string;
    trigger: TriggerFamily;
    mode: string;
    from: 'parameter' | 'default';
    valid: boolean;
    breaker: 'closed' | 'open';
    breakerReason?: string;
  }[];
  budget: { startedLastHour: number; perHour: number; spent: boolean; tripped: boolean };
  trips: { kind: string; scope: string; since: string; until: string; reason?: string }[];
  held: { total: number; byCode: Record<string, number>; items: HeldItem[] };
  executions: { inFlight: number; verifying: number };
  queues: { name: string; messages: number | null; inFlight: number | null; deadLetter: boolean }[];
  /** What needs a human, in words (empty: nothing). */
  attention: string[];
}

function releases(d: StoredDeferral): string {
  const code = d.code ?? 'calendar-closed';
  if (code === 'calendar-closed')
    return `when ${d.calendars.join(', ') || 'its calendar'} opens${d.nextTransitionTime ? ` (next transition ${d.nextTransitionTime})` : ''}`;
  if (code === 'budget') return `when the hourly budget allows${d.nextTryAt ? `, from ${d.nextTryAt}` : ''}`;
  return d.nextTryAt ? `next try ${d.nextTryAt} (reconcile sweep)` : 'at the next reconcile sweep';
}

export function statusReport(f: StatusFacts, heldShown = 50): StatusReport {
  // An absent kill switch is off (the stack does not own it: src/adapters/switches-parameter-store.ts).
  const kill = f.killSwitch === undefined ? 'off' : f.killSwitch.trim().toLowerCase();
  const killState = kill === 'on' || kill === 'off' ? kill : 'unreadable';
  const remediations = f.remediations.map((r) => {
    const raw = r.mode?.trim().toLowerCase();
    const valid = raw === undefined || (MODES as readonly string[]).includes(raw);
    return {
      id: r.id,
      trigger: r.trigger,
      mode: raw ?? r.defaultMode,
      from: raw === undefined ? ('default' as const) : ('parameter' as const),
      valid,
      breaker: r.breaker.open ? ('open' as const) : ('closed' as const),
      ...(r.breaker.open && r.breaker.reason ? { breakerReason: r.breaker.reason } : {}),
    };
  });
  const byCode: Record<string, number> = {};
  for (const d of f.held)
    byCode[d.code ?? 'calendar-closed'] = (byCode[d.code ?? 'calendar-closed'] ?? 0) + 1;
  const order = (c: string) => (HOLD_CODES as readonly string[]).indexOf(c);
  const held = [...f.held].sort(
    (a, b) =>
      order(a.code ?? 'calendar-closed') - order(b.code ?? 'calendar-closed') ||
      a.deferredAt.localeCompare(b.deferredAt),
  );
  const items: HeldItem[] = held.slice(0, heldShown).map((d) => ({
    remediation: d.remediationId,
    resource: d.resourceId,
    code: d.code ?? 'calendar-closed',
    reason: d.heldReason ?? '',
    since: d.deferredAt,
    attempts: d.attempts ?? 1,
    releases: releases(d),
    expiresAt: new Date(Date.parse(d.deferredAt) + f.deferralMaxAgeHours * 3_600_000).toISOString(),
  }));
  const budgetTrip = f.trips.some((t) => t.kind === 'budget');
  const queues = f.queues.map((q) => ({
    name: q.name,
    messages: q.visible ?? null,
    inFlight: q.inFlight ?? null,
    deadLetter: /(-dlq|-rejected-events|-failed-invocations)$/.test(q.name),
  }));
  const attention: string[] = [];
  if (killState === 'on') attention.push('the kill switch is on: nothing acts');
  if (killState === 'unreadable')
    attention.push(
      `the kill switch parameter is ${JSON.stringify(f.killSwitch)}: nothing acts (fail closed)`,
    );
  for (const r of remediations) {
    if (!r.valid)
      attention.push(`mode of ${r.id} is ${JSON.stringify(r.mode)}: it does not act (fail closed)`);
    if (r.breaker === 'open')
      attention.push(`circuit breaker of ${r.id} is open${r.breakerReason ? `: ${r.breakerReason}` : ''}`);
  }
  if (f.startedLastHour >= f.budgetPerHour)
    attention.push(
      `hourly budget spent: ${f.startedLastHour} of ${f.budgetPerHour} executions in the last hour`,
    );
  for (const q of queues)
    if (q.deadLetter && (q.messages ?? 0) > 0) attention.push(`${q.messages} message(s) in ${q.name}`);
  return {
    stage: f.stage,
    at: f.now.toISOString(),
    killSwitch: { value: f.killSwitch ?? null, state: killState },
    remediations,
    budget: {
      startedLastHour: f.startedLastHour,
      perHour: f.budgetPerHour,
      spent: f.startedLastHour >= f.budgetPerHour,
      tripped: budgetTrip,
    },
    trips: f.trips.map((t) => ({
      kind: t.kind,
      scope: t.scope,
      since: t.openedAt,
      until: t.expiresAt,
      ...(t.reason ? { reason: t.reason } : {}),
    })),
    held: { total: f.held.length, byCode, items },
    executions: { inFlight: f.inFlight.length, verifying: f.verifying.length },
    queues,
    attention,
  };
}

/** The report as an operator reads it. */
export function statusLines(r: StatusReport): string[] {
  const lines = [`ssm-remediator ${r.stage} at ${r.at}`, ''];
  lines.push(
    `kill switch     ${r.killSwitch.state}${r.killSwitch.state === 'unreadable' ? ` (${JSON.stringify(r.killSwitch.value)})` : r.killSwitch.value === null ? ' (not set)' : ''}`,
  );
  lines.push('remediations');
  for (const x of r.remediations)
    lines.push(
      `  ${x.id.padEnd(40)} ${x.mode.padEnd(7)} ${(x.from === 'default' ? '(default)' : '').padEnd(10)} breaker ${x.breaker}${x.valid ? '' : '  INVALID MODE'}`,
    );
  lines.push(
    `budget          ${r.budget.startedLastHour} of ${r.budget.perHour} executions in the last hour${r.budget.spent ? ' (spent: new work is held)' : ''}${r.budget.tripped ? ', trip announced' : ''}`,
  );
  lines.push(`guards tripped  ${r.trips.length === 0 ? 'none' : ''}`);
  for (const t of r.trips)
    lines.push(`  ${t.kind} ${t.scope} since ${t.since} until ${t.until}${t.reason ? `: ${t.reason}` : ''}`);
  lines.push(
    `executions      ${r.executions.inFlight} in flight, ${r.executions.verifying} waiting for Config to confirm`,
  );
  const codes = Object.entries(r.held.byCode)
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  lines.push(`held work       ${r.held.total}${r.held.total ? ` (${codes})` : ''}`);
  for (const h of r.held.items)
    lines.push(
      `  ${h.code.padEnd(16)} ${h.remediation} ${h.resource}: since ${h.since}, ${h.attempts} tr${h.attempts === 1 ? 'y' : 'ies'}; releases ${h.releases}; expires ${h.expiresAt}${h.reason ? `  (${h.reason})` : ''}`,
    );
  if (r.held.total > r.held.items.length)
    lines.push(`  …and ${r.held.total - r.held.items.length} more (--json lists them)`);
  lines.push('queues');
  for (const q of r.queues)
    lines.push(
      `  ${q.name.padEnd(52)} ${q.messages === null ? 'missing' : `${q.messages} waiting, ${q.inFlight} in flight`}`,
    );
  lines.push('', r.attention.length ? 'needs attention:' : 'needs attention: nothing');
  for (const a of r.attention) lines.push(`  - ${a}`);
  return lines;
}
