/**
 * Patch fan-out, the executor side: patch failures that arrive together (one SQS batch) become few
 * SendCommand calls. Parse each record (a malformed one is rejected and dead-lettered, its
 * neighbours still run), decide every finding with the engine's own `decideFinding` (same gates as
 * one-at-a-time), claim each (remediation, instance) in the ledger before sending (a redelivered
 * batch sends nothing twice), group (`fanout-plan.ts`), hand each command to the one executor
 * (`execute.ts`: budget, send, record one execution per command with all its instance ids), and
 * send ONE aggregated notification for the batch. Records that hit something transient (a gate that
 * could not be read, throttling past the retries) are returned for `batchItemFailures`, so SQS
 * redelivers only those.
 */
import type { CalendarPort, FleetPort, Notification } from '../ports/index.ts';
import { announce } from './announce.ts';
import { carryOut, decideFinding, type EngineDeps, type RemediationDecision } from './engine.ts';
import { ValidationError, errorMessage, errorName } from '../model/errors.ts';
import { claimOrSkip, executePlan } from './execute.ts';
import {
  commandPlan,
  fanoutAction,
  fanoutNotification,
  planFanout,
  type FanoutCandidate,
  type SentCommand,
} from './fanout-plan.ts';
import { parseFinding } from '../events/finding.ts';
import { findingReceived } from './metrics.ts';
import { rejectEvent } from './reject.ts';
import type { Finding, InstanceFact, Outcome } from '../model/types.ts';
import type { Home } from '../events/origin.ts';

export * from './fanout-plan.ts';

/** One queued message: the EventBridge event EventBridge wrote to the queue, as the body. */
export interface FanoutRecord {
  id: string;
  body: string;
}

export interface FanoutResult {
  outcomes: Outcome[];
  /** Records to report as batchItemFailures: SQS redelivers these, and only these. */
  retry: string[];
  commands: SentCommand[];
  /** The aggregated notification, if one was sent. */
  notification?: Notification;
}

/**
 * Batch-scoped caches: agent status of every instance in the batch is read up front in pages of
 * 50, and each calendar is read once per batch (the batch is decided within seconds).
 */
function batchDeps(deps: EngineDeps, findings: Finding[]): EngineDeps {
  const ids = [...new Set(findings.filter(isInstanceFinding).map((f) => f.resourceId))];
  let prefetch: Promise<Record<string, InstanceFact>> | undefined;
  const fleet: FleetPort = {
    async describe(instanceIds) {
      prefetch ??= ids.length ? deps.fleet.describe(ids) : Promise.resolve({});
      const known = await prefetch;
      const missing = instanceIds.filter((id) => !known[id]);
      const extra = missing.length ? await deps.fleet.describe(missing) : {};
      return Object.fromEntries(instanceIds.map((id) => [id, known[id] ?? extra[id]!]));
    },
  };
  const calendars = new Map<string, ReturnType<CalendarPort['state']>>();
  const calendar: CalendarPort = {
    state(names) {
      const key = JSON.stringify([...names].sort());
      let p = calendars.get(key);
      if (!p) {
        p = deps.calendar.state(names);
        // A failed read is not cached: the next finding asks again (and fails closed on its own).
        p.catch(() => calendars.delete(key));
        calendars.set(key, p);
      }
      return p;
    },
  };
  return { ...deps, fleet, calendar };
}

const isInstanceFinding = (f: Finding) =>
  f.resourceType === 'AWS::EC2::Instance' || f.resourceType === 'AWS::SSM::ManagedInstance';

function parseRecord(
  r: FanoutRecord,
  home: Home | undefined,
): { event: unknown; finding?: Finding; error?: ValidationError } {
  let event: unknown;
  try {
    event = JSON.parse(r.body);
  } catch {
    return { event: r.body, error: new ValidationError('(body)', 'the message body is not JSON') };
  }
  try {
    return { event, finding: parseFinding(event, home) };
  } catch (e) {
    if (e instanceof ValidationError) return { event, error: e };
    throw e;
  }
}

/** Findings decided at once: enough to hide ledger latency, few enough for the SSM and tag read rates. */
const DECIDE_CONCURRENCY = 8;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

interface DecidedRecord {
  outcomes: Outcome[];
  candidates: FanoutCandidate[];
  /** Something transient happened: SQS redelivers the record. */
  retry: boolean;
}

/** Decides one record's finding; claims the decisions that fan out; carries out the rest like the engine. */
async function decideRecord(
  record: FanoutRecord,
  finding: Finding,
  deps: EngineDeps,
): Promise<DecidedRecord> {
  const out: DecidedRecord = { outcomes: [], candidates: [], retry: false };
  let decisions: RemediationDecision[];
  try {
    decisions = await decideFinding(finding, deps);
  } catch (e) {
    deps.log.error('deciding failed; the record will be redelivered', {
      recordId: record.id,
      eventId: finding.eventId,
      error: `${errorName(e)}: ${errorMessage(e)}`,
    });
    return { ...out, retry: true };
  }
  // A gate that could not be read: nothing is done for this record, and SQS tries it again.
  const unreadable = decisions.find((d) => d.decision.outcome.code === 'gate-unreadable');
  if (unreadable) {
    deps.log.warn('gate unreadable; the record will be redelivered', {
      recordId: record.id,
      eventId: finding.eventId,
      reason: unreadable.decision.outcome.reason,
    });
    return { ...out, retry: true };
  }
  for (const rd of decisions) {
    const r = rd.remediation;
    try {
      if (r && fanoutAction({ finding, decision: rd.decision })) {
        const base = { ...rd.decision.outcome, at: deps.now().toISOString() };
        const duplicate = await claimOrSkip({ finding, remediation: r }, base, deps);
        if (duplicate) out.outcomes.push(duplicate);
        else out.candidates.push({ recordId: record.id, finding, remediation: r, decision: rd.decision });
        continue;
      }
      // Stops (skips, deferrals, shadow) and anything that is not one Run Command: the engine's own path.
      out.outcomes.push(await carryOut(finding, rd, deps));
    } catch (e) {
      deps.log.warn('could not carry out a decision; the record will be redelivered', {
        recordId: record.id,
        remediation: r?.id,
        error: `${errorName(e)}: ${errorMessage(e)}`,
      });
      out.retry = true;
    }
  }
  return out;
}

/** Decides every finding of the batch, claims per (remediation, instance), then sends few commands. */
export async function runFanout(records: readonly FanoutRecord[], engine: EngineDeps): Promise<FanoutResult> {
  const outcomes: Outcome[] = [];
  const retry = new Set<string>();
  const commands: SentCommand[] = [];

  // 1. Parse. A malformed record is rejected (naming the field) and dead-lettered; the rest go on.
  const parsed: { record: FanoutRecord; finding: Finding }[] = [];
  for (const record of records) {
    const p = parseRecord(record, engine.config.home);
    if (p.finding) {
      parsed.push({ record, finding: p.finding });
      findingReceived(engine.metrics, p.finding);
      continue;
    }
    try {
      outcomes.push(await rejectEvent(p.event, p.error!, engine));
    } catch {
      // Never lose it: SQS redelivers, and after maxReceiveCount its own DLQ keeps it.
      retry.add(record.id);
    }
  }

  const deps = batchDeps(
    engine,
    parsed.map((p) => p.finding),
  );

  // 2. Decide each finding with the engine's gates; claim the ones that act through one Run Command.
  // Records are independent (claims are conditional writes), so a few are decided at a time.
  const decided = await mapLimit(parsed, DECIDE_CONCURRENCY, (p) => decideRecord(p.record, p.finding, deps));
  const candidates: FanoutCandidate[] = [];
  for (const [i, d] of decided.entries()) {
    outcomes.push(...d.outcomes);
    candidates.push(...d.candidates);
    if (d.retry) retry.add(parsed[i]!.record.id);
  }

  // 3. Group, and let the one executor send each command: at most 50 instances per SendCommand, one
  // budget slot per command. Held for a transient reason: freed and redelivered; over the budget:
  // held in the ledger. (Every candidate passed fanoutAction, so the plan's `individual` list is empty.)
  for (const cmd of planFanout(candidates).commands) {
    const r = await executePlan(commandPlan(cmd), deps, { transient: 'redeliver' });
    outcomes.push(...r.outcomes);
    for (const m of r.redeliver) retry.add(m.recordId!);
    const sent = r.started[0];
    if (sent) {
      const { members: _members, ...c } = cmd;
      commands.push({ ...c, commandId: sent.executionId });
    }
  }

  // A record that will be redelivered reports nothing now: its outcome comes with the redelivery.
  const retried = new Set(parsed.filter((p) => retry.has(p.record.id)).map((p) => p.finding.eventId));
  const settled = outcomes.filter((o) => !retried.has(o.eventId) || o.outcome === 'started');
  // Every outcome is recorded; the batch is ONE notification.
  const [notification] = await announce(settled, deps, {
    record: 'decision',
    build: (told) => {
      const n = fanoutNotification(told, commands, deps.now().toISOString());
      return n ? [n] : [];
    },
  });
  return { outcomes: settled, retry: [...retry], commands, ...(notification ? { notification } : {}) };
}
