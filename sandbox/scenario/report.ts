/**
 * The rehearsal report: what happened in the sandbox account, computed from what the sandbox saw
 * (events on the bus and their fate, the SSM simulation's executions, the server's call counter,
 * SNS and Slack) and from the service's own log lines (`decision` per event, `outcome` for later
 * results). Duplicate executions are counted from SSM's side, never from the service's claims.
 */
import type { OpsReport } from './ops.ts';
import { peakConcurrent } from './peak.ts';
import type { BusEvent } from '../types.ts';
import { describeModes, type RunMode } from './runbooks.ts';
import type { Scenario } from './schema.ts';
import type { ConvergenceReport } from './convergence.ts';
import { renderApprovals, type ApprovalsReport } from './approvals.ts';

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
  /** When the bus received it (epoch ms, simulated clock); default: the event's `time`. */
  at?: number;
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
  /** When it was logged (epoch ms, simulated clock), for the timeline. */
  at?: number;
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
  /** When it was started and when it ended (epoch ms, simulated clock), for the timeline. */
  startedAt?: number;
  endedAt?: number;
}

export interface SlackView {
  text: string;
  /** Outcomes the message reports: a digest's count (its fallback text ends `(N outcomes)`), else 1. */
  outcomes?: number;
  /** Sim-ms from the start when Slack accepted it. */
  at?: number;
}

export interface RehearsalReport {
  scenario: string;
  seed: number;
  sim: { start: string; end: string; hours: number; speed: number };
  /** Which remediation ran in which mode: the scenario's `modes` over the production defaults. */
  modes: Record<string, RunMode>;
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
    /** The most of the service's Automation executions running at once (admission, ./peak.ts). */
    peakRunning?: number;
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
  slack: {
    count: number;
    samples: string[];
    /** Digests among them (one message for several outcomes of one remediation). */
    digests: number;
    /** Outcomes the messages report in all (a digest counts its outcomes). */
    outcomes: number;
    /** The webhook's 429 answers (Slack takes about one message per second). */
    rateLimited: number;
    /** The most messages Slack accepted within any one second. */
    maxPerSecond: number;
  };
  sns: { count: number; byOutcome: Record<string, number> };
  apiCalls: Record<string, { total: number; byOperation: Record<string, number> }>;
  /** Calls and deliveries the sandbox's IAM denied (the template's role policies), by "<role> <action>". */
  iam: { evaluated: number; denied: number; byRoleAction: Record<string, number>; samples: string[] };
  notes: string[];
  /** h2-ops: the metrics the functions wrote (EMF) and the alarms that would have fired (./ops.ts). */
  ops?: OpsReport;
  /** The scenario's calendar freezes, faults, outages and kill-switch windows (the HTML report shades them). */
  windows?: TimeWindow[];
  /** Mode `approve`: requests, decisions and Slack's callbacks, judged from the ledger and SSM (./approvals.ts). */
  approvals?: ApprovalsReport;
  /** What happened to each (remediation, resource), in simulated time (the HTML report draws it). */
  timeline?: Timeline;
}

/** A stretch of simulated time, in ms after `sim.start`; no `to`: until the end of the run. */
export interface TimeWindow {
  kind: 'freeze' | 'fault' | 'outage' | 'kill-switch';
  label: string;
  from: number;
  to?: number;
}

/** One happening on a resource's line: `at` (and `end` for an execution) in ms after `sim.start`. */
export interface TimelineMark {
  kind: 'finding' | 'decision' | 'deferred' | 'execution' | 'completion' | 'notification';
  at: number;
  end?: number;
  /** The outcome, execution status or event it stands for, e.g. `started`, `skipped (duplicate)`, `Success`. */
  label: string;
  /** Reason, ids: what a tooltip shows. */
  detail?: string;
}

export interface TimelineRow {
  remediation: string;
  resource: string;
  /** The last outcome (with its code), or `no outcome` when the service never answered. */
  last: string;
  /** A failed outcome, an execution that did not succeed, or a finding event with no outcome. */
  problem: boolean;
  marks: TimelineMark[];
}

export interface Timeline {
  rows: TimelineRow[];
  /** Rows left out beyond TIMELINE_ROWS (the busiest day would make the JSON huge). */
  omitted: number;
}

/** At most this many rows in `timeline` (the default day has a few hundred). */
export const TIMELINE_ROWS = 3000;

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
  'aws.ssm|EC2 State Manager Instance Association State Change',
]);

/** A State Manager association event (association.failed): the instance association state change or the Association compliance change. */
export function isAssociationEvent(e: BusEvent): boolean {
  return (
    e['detail-type'] === 'EC2 State Manager Instance Association State Change' ||
    (e['detail-type'] === 'Configuration Compliance State Change' &&
      e.detail['compliance-type'] === 'Association')
  );
}

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
  if (e['detail-type'] === 'EC2 State Manager Instance Association State Change')
    return d['status'] === 'Failed';
  if (e['detail-type'] === 'Configuration Compliance State Change')
    return (
      d['compliance-status'] === 'non_compliant' &&
      (d['compliance-type'] === 'Patch' || d['compliance-type'] === 'Association')
    );
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
  // One failed association run on an instance: both its events name the run's time.
  if (isAssociationEvent(e))
    return `association|${res}|${str(d['last-execution-date']) || str(d['last-runtime']) || e.id}`;
  return `patch|${res}|${ctx.windowOf?.(res, at) ?? e.id}`;
}

export interface ReportInput {
  scenario: string;
  seed: number;
  wallSeconds: number;
  sim: RehearsalReport['sim'];
  modes?: Record<string, RunMode>;
  fates: FateView[];
  lines: OutcomeLine[];
  executions: ExecutionView[];
  scenarioExecutions: number;
  slack: SlackView[];
  slackSamples: number;
  slackRateLimited?: number;
  sns: { message: string; at?: number }[];
  apiCalls: RehearsalReport['apiCalls'];
  /** What the sandbox's IAM denied: "<role> <action>" per denial, and AWS's messages. */
  iamDenials?: { key: string; message: string }[];
  /** IAM requests the sandbox evaluated (calls and deliveries of the deployed functions). */
  iamEvaluated?: number;
  windows?: TimeWindow[];
  convergence: ConvergenceReport;
  windowOf?: (instance: string, at: number) => string;
  dropOf?: (instance: string, at: number) => string;
  notes?: string[];
  ops?: OpsReport;
  approvals?: ApprovalsReport;
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
    modes: input.modes ?? {},
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
      peakRunning: peakConcurrent(ours, 'automation'),
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
      digests: input.slack.filter((s) => (s.outcomes ?? 1) > 1).length,
      outcomes: input.slack.reduce((n, s) => n + (s.outcomes ?? 1), 0),
      rateLimited: input.slackRateLimited ?? 0,
      maxPerSecond: maxPerSecond(input.slack.flatMap((s) => (s.at === undefined ? [] : [s.at]))),
    },
    sns: { count: input.sns.length, byOutcome: sortKeys(snsByOutcome) },
    apiCalls: input.apiCalls,
    iam: {
      evaluated: input.iamEvaluated ?? 0,
      denied: input.iamDenials?.length ?? 0,
      byRoleAction: sortKeys(
        (input.iamDenials ?? []).reduce<Record<string, number>>((acc, d) => {
          acc[d.key] = (acc[d.key] ?? 0) + 1;
          return acc;
        }, {}),
      ),
      samples: [...new Set((input.iamDenials ?? []).map((d) => d.message))].slice(0, 5),
    },
    notes: input.notes ?? [],
    ...(input.ops ? { ops: input.ops } : {}),
    ...(input.windows ? { windows: input.windows } : {}),
    ...(input.approvals ? { approvals: input.approvals } : {}),
    timeline: buildTimeline(input, eventsById),
  };
}

/**
 * One row per (remediation, resource): the finding events (attached to the remediations whose
 * decisions named them, else to `(no outcome)`), the service's decision and outcome lines, the
 * executions SSM ran and the SNS notifications, each at its simulated time.
 */
function buildTimeline(input: ReportInput, eventsById: Map<string, FateView>): Timeline {
  const t0 = Date.parse(input.sim.start);
  const rel = (ms: number): number => Math.max(0, Math.round(ms - t0));
  const rows = new Map<string, TimelineRow>();
  const row = (remediation: string, resource: string): TimelineRow => {
    const k = `${remediation}\n${resource}`;
    let r = rows.get(k);
    if (!r) {
      r = { remediation, resource, last: 'no outcome', problem: false, marks: [] };
      rows.set(k, r);
    }
    return r;
  };
  const said = (l: OutcomeLine): string => (l.code ? `${l.outcome} (${l.code})` : l.outcome);
  const detail = (...parts: (string | undefined)[]): { detail?: string } => {
    const d = parts.filter((p) => p).join(' · ');
    return d ? { detail: d.length > 300 ? `${d.slice(0, 299)}…` : d } : {};
  };

  const remediationsOf = new Map<string, Set<string>>();
  for (const l of [...input.lines].sort((a, b) => a.seq - b.seq)) {
    const r = row(l.remediation ?? '(none)', l.resourceId ?? '(unknown)');
    if (l.eventId)
      remediationsOf.set(l.eventId, (remediationsOf.get(l.eventId) ?? new Set()).add(r.remediation));
    r.last = said(l);
    if (l.outcome === 'failed') r.problem = true;
    if (l.at === undefined) continue;
    // A release that starts or skips is the gates answering again; a later succeeded/failed is the completion.
    const kind =
      l.outcome === 'deferred'
        ? 'deferred'
        : l.kind === 'outcome' && (l.outcome === 'succeeded' || l.outcome === 'failed')
          ? 'completion'
          : 'decision';
    r.marks.push({ kind, at: rel(l.at), label: said(l), ...detail(l.reason, l.executionId) });
  }

  for (const f of eventsById.values()) {
    if (!isFinding(f.event)) continue;
    const answeredBy = remediationsOf.get(f.event.id);
    const fate = answeredBy
      ? undefined
      : f.dropped
        ? 'dropped by the bus'
        : f.targets.length === 0
          ? 'matched no rule'
          : f.pending
            ? 'unfinished'
            : 'lost';
    for (const remediation of answeredBy ?? ['(no outcome)']) {
      const r = row(remediation, resourceOf(f.event) || '(unknown)');
      if (fate) {
        r.last = fate;
        if (fate === 'lost' || fate === 'unfinished') r.problem = true;
      }
      r.marks.push({
        kind: 'finding',
        at: rel(f.at ?? Date.parse(f.event.time)),
        label: fate ? `${f.event['detail-type']}: ${fate}` : f.event['detail-type'],
        ...detail(`put by ${f.origin}`, f.duplicated > 0 ? 'delivered twice' : undefined, f.event.id),
      });
    }
  }

  for (const x of input.executions) {
    if (x.remediation === '' || x.startedAt === undefined) continue;
    for (const resource of x.resources) {
      const r = row(x.remediation, resource);
      if (/Fail|TimedOut|Cancel/.test(x.status)) r.problem = true;
      r.marks.push({
        kind: 'execution',
        at: rel(x.startedAt),
        ...(x.endedAt !== undefined ? { end: rel(x.endedAt) } : {}),
        label: x.status,
        ...detail(x.document, x.id),
      });
    }
  }

  for (const m of input.sns) {
    if (m.at === undefined) continue;
    let o: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(m.message);
      if (typeof parsed !== 'object' || parsed === null) continue;
      o = parsed as Record<string, unknown>;
    } catch {
      continue;
    }
    const resource = (o['resource'] ?? {}) as Record<string, unknown>;
    const several = Array.isArray(o['outcomes'])
      ? (o['outcomes'] as Record<string, unknown>[]).map((x) => str(x['resourceId']))
      : [];
    const outcome = str(o['outcome']) ?? 'unparsed';
    const remediation = str(o['remediation']);
    for (const id of several.length > 0 ? several : [str(resource['id'])]) {
      const resourceId = id ?? '(unknown)';
      // A summary (e.g. a patch fan-out) names no remediation: it goes on the resource's rows.
      const on = remediation
        ? [row(remediation, resourceId)]
        : [...rows.values()].filter((r) => r.resource === resourceId);
      const mark: TimelineMark = {
        kind: 'notification',
        at: rel(m.at),
        label: `SNS: ${outcome}`,
        ...detail(str(o['title'])),
      };
      for (const r of on.length > 0 ? on : [row('(none)', resourceId)]) r.marks.push(mark);
    }
  }

  const all = [...rows.values()];
  for (const r of all) r.marks.sort((a, b) => a.at - b.at);
  const first = (r: TimelineRow): number => r.marks[0]?.at ?? Infinity;
  const kept =
    all.length <= TIMELINE_ROWS
      ? all
      : [...all.filter((r) => r.problem), ...all.filter((r) => !r.problem)].slice(0, TIMELINE_ROWS);
  kept.sort(
    (a, b) =>
      a.remediation.localeCompare(b.remediation) ||
      first(a) - first(b) ||
      a.resource.localeCompare(b.resource),
  );
  return { rows: kept, omitted: all.length - kept.length };
}

/**
 * The scenario's windows, in ms after the start: each calendar's closed time (a DEFAULT_OPEN
 * calendar's events; the gaps between a DEFAULT_CLOSED calendar's open windows), faults (the whole
 * run when they name no window), Slack outages, and the kill switch from `on` to the next `off`.
 */
export function scenarioWindows(
  s: Pick<Scenario, 'calendars' | 'faults' | 'slackDown' | 'killSwitch'>,
): TimeWindow[] {
  const out: TimeWindow[] = [];
  for (const c of s.calendars) {
    const events = [...c.events].sort((a, b) => a.from - b.from);
    if (c.type === 'DEFAULT_OPEN') {
      for (const e of events)
        out.push({
          kind: 'freeze',
          label: `${c.name}: ${e.summary ?? 'change freeze'}`,
          from: e.from,
          to: e.to,
        });
      continue;
    }
    let from = 0;
    for (const e of events) {
      if (e.from > from) out.push({ kind: 'freeze', label: `${c.name}: closed`, from, to: e.from });
      from = Math.max(from, e.to);
    }
    out.push({ kind: 'freeze', label: `${c.name}: closed`, from });
  }
  for (const f of s.faults) {
    const what = [
      f.errorRate !== undefined ? `${+(f.errorRate * 100).toFixed(2)} %` : '',
      f.mode && f.mode !== 'error' ? f.mode : (f.code ?? (f.status ? String(f.status) : '')),
      f.latencyMs ? `+${f.latencyMs} ms` : '',
    ]
      .filter((p) => p)
      .join(' ');
    out.push({
      kind: 'fault',
      label: `fault ${f.target}${what ? ` (${what})` : ''}`,
      from: f.from ?? 0,
      ...(f.to !== undefined ? { to: f.to } : {}),
    });
  }
  for (const w of s.slackDown) out.push({ kind: 'outage', label: 'Slack down', from: w.from, to: w.to });
  let on: number | undefined;
  for (const k of [...s.killSwitch].sort((a, b) => a.at - b.at)) {
    if (k.state === 'on') on ??= k.at;
    else if (on !== undefined) {
      out.push({ kind: 'kill-switch', label: 'kill switch on', from: on, to: k.at });
      on = undefined;
    }
  }
  if (on !== undefined) out.push({ kind: 'kill-switch', label: 'kill switch on', from: on });
  return out;
}

function sortKeys(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => a.localeCompare(b)));
}

const fmtCounts = (m: Record<string, number>): string =>
  Object.entries(m)
    .sort(([, a], [, b]) => b - a)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

/** h2-ops: the metrics seen (EMF, service-wide) and the alarms that would have fired. */
export function renderOps(o: OpsReport): string[] {
  const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  const out = [
    `Metrics (EMF)          ${o.lines} lines; ${
      Object.entries(o.metrics)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ') || 'none'
    }`,
    `Alarms fired           ${o.fired.length} of ${o.alarms.length}${o.fired.length ? '' : ' (none)'}`,
  ];
  for (const a of o.alarms.filter((x) => x.fired))
    out.push(
      `  ${a.name}: ${a.metric} = ${fmt(a.value ?? 0)} (${a.data}) at +${Math.round((a.at ?? 0) / 60_000)} min`,
    );
  return out;
}

/** The human summary printed at the end of a rehearsal. */
export function renderReport(r: RehearsalReport): string {
  const lines: string[] = [];
  const ok = passed(r);
  lines.push(
    `Rehearsal "${r.scenario}" (seed ${r.seed}): ${r.sim.hours.toFixed(1)} h of simulated time in ${r.wall.seconds.toFixed(1)} s of wall time (virtual time, x${r.wall.simSecondsPerWallSecond} on average)`,
  );
  lines.push(`Modes                  ${describeModes(r.modes)}`);
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
  if (r.approvals) lines.push(...renderApprovals(r.approvals));
  lines.push(`SNS messages           ${r.sns.count}  (${fmtCounts(r.sns.byOutcome)})`);
  lines.push(
    `Slack messages         ${r.slack.count} (${r.slack.digests} digests, ${r.slack.outcomes} outcomes; ` +
      `${r.slack.rateLimited} answered 429; at most ${r.slack.maxPerSecond}/s)`,
  );
  for (const s of r.slack.samples) lines.push(`  | ${s.replace(/\n/g, '\n  | ')}`);
  lines.push(
    'API calls              ' +
      fmtCounts(Object.fromEntries(Object.entries(r.apiCalls).map(([k, v]) => [k, v.total]))),
  );
  for (const [svc, v] of Object.entries(r.apiCalls))
    lines.push(`  ${svc.padEnd(20)} ${fmtCounts(v.byOperation)}`);
  lines.push(
    `IAM denied             ${r.iam.denied} of ${r.iam.evaluated} requests evaluated against the template's policies${r.iam.denied > 0 ? `  (${fmtCounts(r.iam.byRoleAction)})` : ''}`,
  );
  for (const m of r.iam.samples) lines.push(`  ${m}`);
  if (r.ops) lines.push(...renderOps(r.ops));
  lines.push('');
  const c = r.convergence;
  lines.push(
    `Convergence            ${c.findings} distinct findings, judged from the world: ${c.fixed} fixed, ${c.excused} excused (${fmtCounts(c.excusedBy)}), ${c.pending} pending, ${c.dropped} dropped, ${c.undelivered} undelivered (the bus lost every event)`,
  );
  if (c.preexisting)
    lines.push(
      `  of them non-compliant before the deployment (backfill): ${c.preexisting.findings}: ${c.preexisting.fixed} fixed, ${c.preexisting.excused} excused, ${c.preexisting.pending} pending, ${c.preexisting.dropped} dropped`,
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
  return (
    r.convergence.dropped === 0 &&
    r.unfinished === 0 &&
    r.duplicateExecutions === 0 &&
    approvalProblems(r).length === 0
  );
}

/** Mode `approve`: a forged or replayed callback accepted, or an execution no approval allowed. */
function approvalProblems(r: RehearsalReport): string[] {
  const a = r.approvals;
  if (!a) return [];
  const out: string[] = [];
  if (a.forgedAccepted + a.replaysAccepted > 0)
    out.push(`${a.forgedAccepted} forged and ${a.replaysAccepted} replayed Slack callback(s) accepted`);
  if (a.startedWithoutApproval + a.startedTwice + a.approverMismatch > 0)
    out.push(
      `${a.startedWithoutApproval} execution(s) without approval, ${a.startedTwice} beyond one per approval, ${a.approverMismatch} not naming the approver`,
    );
  return out;
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
  parts.push(...approvalProblems(r));
  return parts.join('; ');
}

/** The most instants within any one-second window (sliding). */
export function maxPerSecond(at: number[]): number {
  const xs = [...at].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < xs.length; i++) {
    while (xs[i]! - xs[j]! >= 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}
