/**
 * The rehearsal report: what happened in the sandbox account, computed from what the sandbox saw
 * (events on the bus and their fate, the SSM simulation's executions, the server's call counter,
 * SNS and Slack) and from the service's own log lines (`decision` per event, `outcome` for later
 * results). Duplicate executions are counted from SSM's side, never from the service's claims.
 */
import type { BusEvent } from '../types.ts';
import type { ConvergenceReport } from './convergence.ts';

/** What the bus did with one event (the runner adapts the account's fate records to this). */
export interface FateView {
  event: BusEvent;
  /** Functions the event was routed to (rules whose pattern matched). */
  targets: string[];
  /** The bus's drop fault discarded it before delivery. */
  dropped: boolean;
  /** Still being delivered or handled when the run stopped waiting. */
  pending: boolean;
  /** Extra deliveries made by the duplicate fault. */
  duplicated: number;
  /** Who put it: the scenario, the SSM/Config simulation, or the service itself (PutEvents). */
  origin: string;
}

/** One `decision` or `outcome` log line of the service. */
export interface OutcomeLine {
  kind: 'decision' | 'outcome';
  eventId?: string;
  remediation?: string;
  resourceId?: string;
  outcome: string;
  code?: string;
  reason?: string;
  executionId?: string;
  /** Order of arrival. */
  seq: number;
}

export interface ExecutionView {
  id: string;
  kind: 'automation' | 'command';
  document: string;
  status: string;
  /** Remediation id from the execution's tag or the command's comment, '' when not the service's. */
  remediation: string;
  /** Resources it acts on: the resource tag (automation) or the instance ids (command). */
  resources: string[];
  /** Event that caused it (automation tag), when known. */
  eventId?: string;
  clientToken?: string;
}

export interface SlackView {
  text: string;
}

export interface RehearsalReport {
  scenario: string;
  seed: number;
  sim: { start: string; end: string; hours: number; speed: number };
  /**
   * What the run cost in wall-clock time: the only part of the report that differs between two runs of
   * the same scenario and seed (virtual time makes the rest repeat, on any machine).
   */
  wall: { seconds: number; simSecondsPerWallSecond: number };
  /** Every event put on the bus, by detail-type (scenario, simulations and the service's own). */
  events: { total: number; byDetailType: Record<string, number>; byOrigin: Record<string, number> };
  findings: {
    /** Finding events (Config NON_COMPLIANT, failed patch runs, agent disconnects) put on the bus. */
    total: number;
    /** Distinct findings among them (duplicate deliveries and re-announcements folded). */
    unique: number;
    /** Delivered to a function. */
    delivered: number;
    /** Matched no rule in the deployed template (the service does not subscribe to them). */
    unrouted: number;
  };
  outcomes: {
    total: number;
    byOutcome: Record<string, number>;
    byCode: Record<string, number>;
    /** Outcome lines per remediation (`(none)` for events no remediation handles, and rejections). */
    byRemediation: Record<string, number>;
    /** `decision` lines (one per event and remediation) vs later `outcome` lines (completion, release). */
    decisions: number;
    later: number;
  };
  executions: {
    started: number;
    byStatus: Record<string, number>;
    byRemediation: Record<string, number>;
    /** Commands and automations the scenario itself ran (the maintenance window), not counted above. */
    scenario: number;
  };
  deferred: {
    /** (remediation, resource) pairs that were deferred at least once. */
    total: number;
    /** Of those, pairs that later got a non-deferred outcome. */
    released: number;
    /** Pairs whose last outcome is still `deferred` when the run ended. */
    stillDeferred: number;
    releasedAs: Record<string, number>;
  };
  /**
   * The verdict: each distinct finding judged from the world at the end (fixed, excused, pending,
   * dropped, undelivered), never from the service's log lines (./convergence.ts).
   */
  convergence: ConvergenceReport;
  /** Delivered finding events that ended with no decision or outcome line at all (informational). */
  lost: number;
  lostEvents: { id: string; detailType: string; resource: string; targets: string[] }[];
  /** Delivered finding events still being handled (queued, retrying, running) when the run stopped waiting. */
  unfinished: number;
  /** Finding events the bus's drop fault discarded (AWS's best-effort delivery): not lost, counted here. */
  dropped: number;
  /** Events the bus's duplicate fault delivered more than once (extra deliveries). */
  redelivered: number;
  /** Executions beyond the first for the same remediation + resource + finding. */
  duplicateExecutions: number;
  duplicateDetails: { remediation: string; resource: string; finding: string; executions: string[] }[];
  /** Every `failed` outcome (the ones worth a page), with its reason. */
  failures: { remediation: string; resource: string; code: string; reason: string }[];
  slack: { count: number; samples: string[] };
  sns: { count: number; byOutcome: Record<string, number> };
  apiCalls: Record<string, { total: number; byOperation: Record<string, number> }>;
  notes: string[];
}

const inc = (m: Record<string, number>, k: string, n = 1): void => {
  m[k] = (m[k] ?? 0) + n;
};

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** `source|detail-type` of the events the service turns into findings (src/events/finding.ts). */
export const FINDING_TYPES = new Set([
  'aws.config|Config Rules Compliance Change',
  'aws.ssm|EC2 Command Invocation Status-change Notification',
  'aws.ssm|Configuration Compliance State Change',
  'ssm-remediator|SSM Agent Disconnected',
]);

/** Is this event a finding (something the service is meant to act on), judged from the event alone? */
export function isFinding(e: BusEvent): boolean {
  const type = `${e.source}|${e['detail-type']}`;
  if (!FINDING_TYPES.has(type)) return false;
  const d = e.detail;
  if (e.source === 'aws.config') {
    const r = d['newEvaluationResult'];
    return (
      typeof r === 'object' &&
      r !== null &&
      (r as Record<string, unknown>)['complianceType'] === 'NON_COMPLIANT'
    );
  }
  if (e['detail-type'] === 'EC2 Command Invocation Status-change Notification')
    return (
      d['document-name'] === 'AWS-RunPatchBaseline' &&
      (d['status'] === 'Failed' || d['status'] === 'TimedOut')
    );
  if (e['detail-type'] === 'Configuration Compliance State Change')
    return d['compliance-status'] === 'non_compliant' && d['compliance-type'] === 'Patch';
  return true;
}

export function resourceOf(e: BusEvent): string {
  const d = e.detail;
  return str(d['resourceId']) ?? str(d['instance-id']) ?? str(d['resource-id']) ?? str(d['instanceId']) ?? '';
}

/**
 * The identity of the finding behind an event, from the event alone: a Config evaluation is
 * rule + resource + orderingTimestamp (a re-announcement or redelivery is the same finding); a
 * failed patch run or compliance change is one per instance per patch window (`windowOf`); an agent
 * disconnect is one per instance per drop-off (`dropOf`).
 */
export function findingKey(
  e: BusEvent,
  ctx: {
    windowOf?: (instance: string, at: number) => string;
    dropOf?: (instance: string, at: number) => string;
  } = {},
): string {
  const d = e.detail;
  const at = Date.parse(e.time);
  const res = resourceOf(e);
  if (e.source === 'aws.config') {
    const r = (d['newEvaluationResult'] ?? {}) as Record<string, unknown>;
    const id = (r['evaluationResultIdentifier'] ?? {}) as Record<string, unknown>;
    return `config|${str(d['configRuleName'])}|${str(d['resourceType'])}|${res}|${str(id['orderingTimestamp'])}`;
  }
  if (e['detail-type'] === 'SSM Agent Disconnected') return `agent|${res}|${ctx.dropOf?.(res, at) ?? e.id}`;
  return `patch|${res}|${ctx.windowOf?.(res, at) ?? e.id}`;
}

export interface ReportInput {
  scenario: string;
  seed: number;
  wallSeconds: number;
  sim: RehearsalReport['sim'];
  fates: FateView[];
  lines: OutcomeLine[];
  executions: ExecutionView[];
  scenarioExecutions: number;
  slack: SlackView[];
  slackSamples: number;
  sns: { message: string }[];
  apiCalls: RehearsalReport['apiCalls'];
  convergence: ConvergenceReport;
  windowOf?: (instance: string, at: number) => string;
  dropOf?: (instance: string, at: number) => string;
  notes?: string[];
}

export function buildReport(input: ReportInput): RehearsalReport {
  const byDetailType: Record<string, number> = {};
  const byOrigin: Record<string, number> = {};
  const eventsById = new Map<string, FateView>();
  for (const f of input.fates) {
    inc(byDetailType, f.event['detail-type']);
    inc(byOrigin, f.origin);
    if (!eventsById.has(f.event.id)) eventsById.set(f.event.id, f);
  }
  const keyCtx = { windowOf: input.windowOf, dropOf: input.dropOf };

  // Outcomes, and which events got one.
  const byOutcome: Record<string, number> = {};
  const byCode: Record<string, number> = {};
  const outcomesByRemediation: Record<string, number> = {};
  const answered = new Set<string>();
  let decisions = 0;
  for (const l of input.lines) {
    inc(byOutcome, l.outcome);
    if (l.code) inc(byCode, l.code);
    inc(outcomesByRemediation, l.remediation ?? '(none)');
    if (l.kind === 'decision') decisions += 1;
    if (l.eventId) answered.add(l.eventId);
  }

  // Findings: lost, dropped, unrouted.
  const findingFates = [...eventsById.values()].filter((f) => isFinding(f.event));
  const uniqueFindings = new Set(findingFates.map((f) => findingKey(f.event, keyCtx)));
  let lost = 0;
  let dropped = 0;
  let unrouted = 0;
  let delivered = 0;
  let unfinished = 0;
  const lostEvents: RehearsalReport['lostEvents'] = [];
  for (const f of findingFates) {
    if (answered.has(f.event.id)) {
      delivered += 1;
      continue;
    }
    if (f.dropped) {
      dropped += 1;
      continue;
    }
    if (f.targets.length === 0) {
      unrouted += 1;
      continue;
    }
    delivered += 1;
    if (f.pending) {
      unfinished += 1;
      continue;
    }
    lost += 1;
    if (lostEvents.length < 20)
      lostEvents.push({
        id: f.event.id,
        detailType: f.event['detail-type'],
        resource: resourceOf(f.event),
        targets: f.targets,
      });
  }
  const redelivered = input.fates.reduce((n, f) => n + f.duplicated, 0);

  // Deferred and released, per (remediation, resource).
  const pairs = new Map<string, OutcomeLine[]>();
  for (const l of [...input.lines].sort((a, b) => a.seq - b.seq)) {
    if (!l.remediation || !l.resourceId) continue;
    const k = `${l.remediation}|${l.resourceId}`;
    const list = pairs.get(k) ?? [];
    list.push(l);
    pairs.set(k, list);
  }
  const deferred = { total: 0, released: 0, stillDeferred: 0, releasedAs: {} as Record<string, number> };
  for (const list of pairs.values()) {
    const first = list.findIndex((l) => l.outcome === 'deferred');
    if (first < 0) continue;
    deferred.total += 1;
    const after = list.slice(first + 1).find((l) => l.outcome !== 'deferred');
    if (after) {
      deferred.released += 1;
      inc(deferred.releasedAs, after.code ? `${after.outcome} (${after.code})` : after.outcome);
    }
    if (list[list.length - 1]!.outcome === 'deferred') deferred.stillDeferred += 1;
  }

  // Executions, from the SSM simulation.
  const byStatus: Record<string, number> = {};
  const byRemediation: Record<string, number> = {};
  const ours = input.executions.filter((x) => x.remediation !== '');
  for (const x of ours) {
    inc(byStatus, x.status);
    inc(byRemediation, x.remediation);
  }

  // Duplicate executions: group by remediation + resource + finding. An automation names its event
  // (tag), so its finding is known; a command only names its instances, so a command per instance
  // beyond the number of distinct findings delivered for that instance is a duplicate.
  const groups = new Map<string, { remediation: string; resource: string; finding: string; ids: string[] }>();
  const add = (remediation: string, resource: string, finding: string, id: string): void => {
    const k = `${remediation}\n${resource}\n${finding}`;
    const g = groups.get(k) ?? { remediation, resource, finding, ids: [] };
    if (!g.ids.includes(id)) g.ids.push(id);
    groups.set(k, g);
  };
  const findingsPerResource = new Map<string, Set<string>>();
  for (const f of findingFates) {
    const r = resourceOf(f.event);
    const set = findingsPerResource.get(r) ?? new Set<string>();
    set.add(findingKey(f.event, keyCtx));
    findingsPerResource.set(r, set);
  }
  const commandCounts = new Map<string, string[]>();
  for (const x of ours) {
    if (x.kind === 'automation') {
      const ev = x.eventId ? eventsById.get(x.eventId)?.event : undefined;
      const finding = ev
        ? findingKey(ev, keyCtx)
        : x.clientToken
          ? `token:${x.clientToken}`
          : `event:${x.eventId ?? x.id}`;
      for (const r of x.resources) add(x.remediation, r, finding, x.id);
    } else {
      for (const r of x.resources) {
        const k = `${x.remediation}\n${r}`;
        commandCounts.set(k, [...(commandCounts.get(k) ?? []), x.id]);
      }
    }
  }
  let duplicateExecutions = 0;
  const duplicateDetails: RehearsalReport['duplicateDetails'] = [];
  for (const g of groups.values()) {
    if (g.ids.length <= 1) continue;
    duplicateExecutions += g.ids.length - 1;
    duplicateDetails.push({
      remediation: g.remediation,
      resource: g.resource,
      finding: g.finding,
      executions: g.ids,
    });
  }
  for (const [k, ids] of commandCounts) {
    const [remediation = '', resource = ''] = k.split('\n');
    const allowed = Math.max(1, findingsPerResource.get(resource)?.size ?? 0);
    if (ids.length <= allowed) continue;
    duplicateExecutions += ids.length - allowed;
    duplicateDetails.push({ remediation, resource, finding: `${allowed} finding(s)`, executions: ids });
  }

  // SNS: the structured outcome is JSON; count by outcome when it is.
  const snsByOutcome: Record<string, number> = {};
  for (const m of input.sns) {
    let outcome = 'unparsed';
    try {
      const parsed: unknown = JSON.parse(m.message);
      if (typeof parsed === 'object' && parsed !== null) {
        const o = (parsed as Record<string, unknown>)['outcome'];
        if (typeof o === 'string') outcome = o;
      }
    } catch {
      // keep 'unparsed'
    }
    inc(snsByOutcome, outcome);
  }

  return {
    scenario: input.scenario,
    seed: input.seed,
    sim: input.sim,
    wall: {
      seconds: input.wallSeconds,
      simSecondsPerWallSecond: Math.round((input.sim.hours * 3600) / Math.max(0.001, input.wallSeconds)),
    },
    events: { total: input.fates.length, byDetailType: sortKeys(byDetailType), byOrigin: sortKeys(byOrigin) },
    findings: { total: findingFates.length, unique: uniqueFindings.size, delivered, unrouted },
    outcomes: {
      total: input.lines.length,
      byOutcome: sortKeys(byOutcome),
      byCode: sortKeys(byCode),
      byRemediation: sortKeys(outcomesByRemediation),
      decisions,
      later: input.lines.length - decisions,
    },
    executions: {
      started: ours.length,
      byStatus: sortKeys(byStatus),
      byRemediation: sortKeys(byRemediation),
      scenario: input.scenarioExecutions,
    },
    deferred,
    convergence: input.convergence,
    lost,
    lostEvents,
    unfinished,
    dropped,
    redelivered,
    duplicateExecutions,
    duplicateDetails: duplicateDetails.slice(0, 20),
    failures: input.lines
      .filter((l) => l.outcome === 'failed')
      .map((l) => ({
        remediation: l.remediation ?? '',
        resource: l.resourceId ?? '',
        code: l.code ?? '',
        reason: l.reason ?? '',
      })),
    slack: {
      count: input.slack.length,
      samples: input.slack.slice(0, input.slackSamples).map((s) => s.text),
    },
    sns: { count: input.sns.length, byOutcome: sortKeys(snsByOutcome) },
    apiCalls: input.apiCalls,
    notes: input.notes ?? [],
  };
}

function sortKeys(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => a.localeCompare(b)));
}

const fmtCounts = (m: Record<string, number>): string =>
  Object.entries(m)
    .sort(([, a], [, b]) => b - a)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

/** The human summary printed at the end of a rehearsal. */
export function renderReport(r: RehearsalReport): string {
  const lines: string[] = [];
  const ok = passed(r);
  lines.push(
    `Rehearsal "${r.scenario}" (seed ${r.seed}): ${r.sim.hours.toFixed(1)} h of simulated time in ${r.wall.seconds.toFixed(1)} s of wall time (virtual time, x${r.wall.simSecondsPerWallSecond} on average)`,
  );
  lines.push('');
  lines.push(`Events on the bus      ${r.events.total}  (${fmtCounts(r.events.byDetailType)})`);
  lines.push(`  put by               ${fmtCounts(r.events.byOrigin)}`);
  lines.push(
    `Findings               ${r.findings.total} events, ${r.findings.unique} distinct; ${r.findings.delivered} delivered, ${r.dropped} dropped by the bus, ${r.findings.unrouted} matched no rule`,
  );
  lines.push(`Outcomes               ${r.outcomes.total}  (${fmtCounts(r.outcomes.byOutcome)})`);
  lines.push(`  by code              ${fmtCounts(r.outcomes.byCode)}`);
  lines.push(`  by remediation       ${fmtCounts(r.outcomes.byRemediation)}`);
  lines.push(
    `  decisions / later    ${r.outcomes.decisions} on events, ${r.outcomes.later} from completion and release`,
  );
  lines.push(`Executions started     ${r.executions.started}  (${fmtCounts(r.executions.byStatus)})`);
  for (const f of r.failures.slice(0, 10)) {
    lines.push(`  failed               ${f.remediation} on ${f.resource} (${f.code}): ${f.reason}`);
  }
  lines.push(`  by remediation       ${fmtCounts(r.executions.byRemediation)}`);
  lines.push(
    `Deferred               ${r.deferred.total} (remediation, resource) pairs; ${r.deferred.released} released (${fmtCounts(r.deferred.releasedAs)}), ${r.deferred.stillDeferred} still deferred`,
  );
  lines.push(`SNS messages           ${r.sns.count}  (${fmtCounts(r.sns.byOutcome)})`);
  lines.push(`Slack messages         ${r.slack.count}`);
  for (const s of r.slack.samples) lines.push(`  | ${s.replace(/\n/g, '\n  | ')}`);
  lines.push(
    'API calls              ' +
      fmtCounts(Object.fromEntries(Object.entries(r.apiCalls).map(([k, v]) => [k, v.total]))),
  );
  for (const [svc, v] of Object.entries(r.apiCalls))
    lines.push(`  ${svc.padEnd(20)} ${fmtCounts(v.byOperation)}`);
  lines.push('');
  const c = r.convergence;
  lines.push(
    `Convergence            ${c.findings} distinct findings, judged from the world: ${c.fixed} fixed, ${c.excused} excused (${fmtCounts(c.excusedBy)}), ${c.pending} pending, ${c.dropped} dropped, ${c.undelivered} undelivered (the bus lost every event)`,
  );
  for (const i of c.items.slice(0, 20))
    lines.push(
      `  ${i.state.padEnd(8)} ${i.trigger} ${i.resource}: ${i.why}${i.retryAt ? ` (retry at ${i.retryAt})` : ''}`,
    );
  lines.push(
    `lost                   ${r.lost}   delivered finding events with no decision or outcome line at all`,
  );
  for (const e of r.lostEvents)
    lines.push(`  - ${e.id} ${e.detailType} ${e.resource} → ${e.targets.join(', ')}`);
  lines.push(
    `unfinished             ${r.unfinished}   delivered finding events still queued or running when the rehearsal stopped waiting`,
  );
  lines.push(
    `dropped                ${r.dropped}   finding events the bus's drop fault discarded (not lost: AWS delivers best effort)`,
  );
  lines.push(`redelivered            ${r.redelivered}   extra deliveries by the bus's duplicate fault`);
  lines.push(
    `duplicateExecutions    ${r.duplicateExecutions}   SSM executions beyond the first for one remediation + resource + finding`,
  );
  for (const d of r.duplicateDetails)
    lines.push(`  - ${d.remediation} ${d.resource} (${d.finding}): ${d.executions.join(', ')}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  lines.push('');
  lines.push(
    ok
      ? 'PASS: every finding fixed, excused, pending or undelivered (none dropped), nothing unfinished, no duplicate execution'
      : `FAIL: ${failureReason(r)}`,
  );
  return lines.join('\n');
}

/**
 * The rehearsal passes when the world converged (no finding dropped: each is fixed, excused by an
 * announced code, held durably, or was never delivered), nothing was left unfinished and no execution
 * was duplicated. The service's log lines (`lost`) are not the verdict.
 */
export function passed(r: RehearsalReport): boolean {
  return r.convergence.dropped === 0 && r.unfinished === 0 && r.duplicateExecutions === 0;
}

export function failureReason(r: RehearsalReport): string {
  const parts: string[] = [];
  if (r.unfinished > 0)
    parts.push(
      `${r.unfinished} finding event(s) were still being handled when the drain ended (raise clock.drain or lower the speed)`,
    );
  if (r.convergence.dropped > 0)
    parts.push(
      `${r.convergence.dropped} finding(s) dropped: not fixed, not excused, not held by the service (convergence.items)`,
    );
  if (r.duplicateExecutions > 0) parts.push(`${r.duplicateExecutions} duplicate execution(s)`);
  return parts.join('; ');
}
