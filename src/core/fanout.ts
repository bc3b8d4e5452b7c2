/**
 * Patch fan-out: patch failures that arrive together (one SQS batch) become few SendCommand calls.
 *
 * - `planFanout` is pure: decided findings in, SendCommand groups out. Findings whose decision is a
 *   single Run Command on their own instance are grouped by (remediation, document, parameters, rate
 *   control) and cut into commands of at most 50 instance ids (the SendCommand limit, AWS-FACTS §2.4).
 * - `runFanout` is the executor, over the engine's ports: parse each record (a malformed one is
 *   rejected and dead-lettered, its neighbours still run), decide every finding with the engine's
 *   own `decideFinding` (same gates as one-at-a-time), claim each (remediation, instance) in the
 *   ledger before sending (a redelivered batch sends nothing twice), send, record one execution per
 *   command with all its instance ids, and send ONE aggregated notification for the batch.
 *   Records that hit something transient (a gate that could not be read, throttling past the
 *   retries) are returned for `batchItemFailures`, so SQS redelivers only those.
 */
import type { CalendarPort, FleetPort, Notification } from '../ports/index.ts';
import type { Decision } from './decide.ts';
import {
  carryOut,
  claimKey,
  decideFinding,
  hold,
  type EngineDeps,
  type RemediationDecision,
} from './engine.ts';
import { ValidationError, classifyActionError, errorMessage, errorName } from './errors.ts';
import { recordOutcome } from './record.ts';
import { parseFinding, eventIdentity } from '../events/finding.ts';
import type { Home } from '../events/origin.ts';
import { consoleUrl, shouldNotify } from './notify.ts';
import type { Remediation } from './remediation.ts';
import type { Action, DocumentParameters, Finding, InstanceFact, Outcome, OutcomeKind } from './types.ts';

/** SendCommand takes at most 50 InstanceIds per call. */
export const MAX_INSTANCES_PER_COMMAND = 50;

/** Rate control when a remediation names none: in the spirit of AWS Config remediation (10% / 50%). */
export const DEFAULT_RATE_CONTROL = { maxConcurrency: '10%', maxErrors: '50%', timeoutSeconds: 600 } as const;

export type SendCommandAction = Extract<Action, { kind: 'sendCommand' }>;

/** One (finding, remediation) whose decision is to act. */
export interface FanoutCandidate {
  /** The SQS record (message id) the finding came from. */
  recordId: string;
  finding: Finding;
  remediation: Remediation;
  decision: Decision;
}

export interface PlannedCommand {
  remediationId: string;
  document: string;
  parameters: DocumentParameters;
  maxConcurrency: string;
  maxErrors: string;
  timeoutSeconds: number;
  /** Unique, at most 50. */
  instanceIds: string[];
  /** Every candidate the command serves (two events for one instance share its entry). */
  members: FanoutCandidate[];
}

/** A command that was sent. */
export interface SentCommand extends Omit<PlannedCommand, 'members'> {
  commandId: string;
}

export interface FanoutPlan {
  commands: PlannedCommand[];
  /** Acting decisions that are not one Run Command on the finding's own instance: the engine acts on each. */
  individual: FanoutCandidate[];
}

/** The decision's single SendCommand to the finding's own instance, if that is all it does. */
export function fanoutAction(
  c: Pick<FanoutCandidate, 'finding' | 'decision'>,
): SendCommandAction | undefined {
  if (c.decision.verdict !== 'act') return undefined;
  const acting = c.decision.actions.filter((a) => a.kind === 'startAutomation' || a.kind === 'sendCommand');
  const a = acting[0];
  if (acting.length !== 1 || a?.kind !== 'sendCommand') return undefined;
  if (a.instanceIds.length !== 1 || a.instanceIds[0] !== c.finding.resourceId) return undefined;
  return a;
}

const sortedParameters = (p: DocumentParameters): [string, string[]][] =>
  Object.keys(p)
    .sort()
    .map((k) => [k, p[k]!]);

/** Commands can be shared only by findings of one remediation with the same document, parameters and rate control. */
export function groupKey(remediationId: string, a: SendCommandAction): string {
  return JSON.stringify([
    remediationId,
    a.document,
    sortedParameters(a.parameters),
    a.maxConcurrency,
    a.maxErrors,
    a.timeoutSeconds,
  ]);
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (size < 1) throw new Error('chunk size must be positive');
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Pure: candidates → SendCommand groups of at most `max` distinct instances, in arrival order. */
export function planFanout(
  candidates: readonly FanoutCandidate[],
  max = MAX_INSTANCES_PER_COMMAND,
): FanoutPlan {
  const groups = new Map<
    string,
    { action: SendCommandAction; remediationId: string; byInstance: Map<string, FanoutCandidate[]> }
  >();
  const individual: FanoutCandidate[] = [];
  for (const c of candidates) {
    const a = fanoutAction(c);
    if (!a) {
      individual.push(c);
      continue;
    }
    const key = groupKey(c.remediation.id, a);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { action: a, remediationId: c.remediation.id, byInstance: new Map() }));
    const id = c.finding.resourceId;
    const list = g.byInstance.get(id);
    if (list) list.push(c);
    else g.byInstance.set(id, [c]);
  }
  const commands: PlannedCommand[] = [];
  for (const g of groups.values()) {
    for (const ids of chunk([...g.byInstance.keys()], max)) {
      commands.push({
        remediationId: g.remediationId,
        document: g.action.document,
        parameters: g.action.parameters,
        maxConcurrency: g.action.maxConcurrency,
        maxErrors: g.action.maxErrors,
        timeoutSeconds: g.action.timeoutSeconds,
        instanceIds: ids,
        members: ids.flatMap((id) => g.byInstance.get(id)!),
      });
    }
  }
  return { commands, individual };
}

// ---- Executor -------------------------------------------------------------------------------------

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

const SEVERITY: OutcomeKind[] = ['failed', 'rejected', 'deferred', 'started', 'succeeded', 'skipped'];

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
  const at = () => deps.now().toISOString();
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
        const claim = await deps.ledger.claim(claimKey(r, finding), deps.now());
        if (claim.status === 'duplicate') {
          out.outcomes.push({
            ...rd.decision.outcome,
            outcome: 'skipped',
            code: 'duplicate',
            reason: claim.reason,
            ...(claim.executionId ? { executionId: claim.executionId } : {}),
            at: at(),
          });
        } else {
          out.candidates.push({ recordId: record.id, finding, remediation: r, decision: rd.decision });
        }
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
  const commands: FanoutResult['commands'] = [];
  const now = () => engine.now().toISOString();

  // 1. Parse. A malformed record is rejected (naming the field) and dead-lettered; the rest go on.
  const parsed: { record: FanoutRecord; finding: Finding }[] = [];
  for (const record of records) {
    const p = parseRecord(record, engine.config.home);
    if (p.finding) {
      parsed.push({ record, finding: p.finding });
      continue;
    }
    const e = p.error!;
    const id = eventIdentity(p.event);
    const outcome: Outcome = {
      ...id,
      outcome: 'rejected',
      code: 'invalid-event',
      field: e.field,
      reason: `invalid event: ${e.message}`,
      actions: [],
      at: now(),
    };
    try {
      await engine.deadLetter.send(p.event, outcome.reason, e.field);
      outcomes.push(outcome);
    } catch (err) {
      // Never lose it: SQS redelivers, and after maxReceiveCount its own DLQ keeps it.
      engine.log.error('dead-letter send failed', { recordId: record.id, error: errorMessage(err) });
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

  // 3. Group and send: at most 50 instances per SendCommand.
  // (Every candidate passed fanoutAction, so the plan's `individual` list is empty here.)
  const plan = planFanout(candidates);
  const limit = deps.config.limits.budgetPerHour;
  /** Nothing was sent: free the claims so the redelivery may act, and retry only these records. */
  const redeliver = async (cmd: PlannedCommand) => {
    for (const m of cmd.members) {
      await deps.ledger.release(claimKey(m.remediation, m.finding)).catch(() => undefined);
      retry.add(m.recordId);
    }
  };
  for (const cmd of plan.commands) {
    // One command is one execution of the budget, taken exactly (a conditional counter) before sending.
    let slot: string | undefined;
    try {
      slot = await deps.ledger.acquireBudget(deps.now(), limit);
    } catch (e) {
      engine.log.warn('budget unreadable; the records will be redelivered', { error: errorMessage(e) });
      await redeliver(cmd);
      continue;
    }
    if (!slot) {
      // Over the budget: held in the ledger until the window allows (the reconcile sweep releases it).
      for (const m of cmd.members) {
        await deps.ledger.release(claimKey(m.remediation, m.finding)).catch(() => undefined);
        const o: Outcome = {
          ...m.decision.outcome,
          outcome: 'deferred',
          code: 'budget',
          reason: `account budget spent: ${limit} executions already started this hour (limit ${limit}); held until the budget allows`,
          at: now(),
        };
        try {
          await hold(m.finding, m.remediation, o, 'budget', deps, undefined);
          outcomes.push(o);
        } catch {
          retry.add(m.recordId);
        }
      }
      continue;
    }
    let commandId: string;
    try {
      ({ commandId } = await deps.commands.send({
        document: cmd.document,
        parameters: cmd.parameters,
        instanceIds: cmd.instanceIds,
        maxConcurrency: cmd.maxConcurrency,
        maxErrors: cmd.maxErrors,
        timeoutSeconds: cmd.timeoutSeconds,
        comment: `ssm-remediator ${cmd.remediationId} fan-out`.slice(0, 100),
      }));
    } catch (e) {
      await deps.ledger.returnBudget(slot).catch(() => undefined);
      if (classifyActionError(e) === 'transient') {
        await redeliver(cmd);
        engine.log.warn('SendCommand throttled; its records will be redelivered', {
          document: cmd.document,
          instances: cmd.instanceIds.length,
          error: errorMessage(e),
        });
        continue;
      }
      for (const m of cmd.members) {
        outcomes.push({
          ...m.decision.outcome,
          outcome: 'failed',
          code: 'api-error',
          reason: `${errorName(e)}: ${errorMessage(e)}`,
          at: now(),
        });
      }
      continue;
    }
    const { members: _members, ...sent } = cmd;
    commands.push({ ...sent, commandId });
    await recordCommand(cmd, commandId, deps);
    for (const m of cmd.members) {
      outcomes.push({
        ...m.decision.outcome,
        outcome: 'started',
        reason: `sent ${cmd.document} to ${cmd.instanceIds.length} instance(s) in command ${commandId}`,
        executionId: commandId,
        at: now(),
      });
    }
  }

  // A record that will be redelivered reports nothing now: its outcome comes with the redelivery.
  const retried = new Set(parsed.filter((p) => retry.has(p.record.id)).map((p) => p.finding.eventId));
  const settled = outcomes.filter((o) => !retried.has(o.eventId) || o.outcome === 'started');
  const notification = await finishFanout(settled, commands, deps);
  return { outcomes: settled, retry: [...retry], commands, ...(notification ? { notification } : {}) };
}

async function recordCommand(cmd: PlannedCommand, commandId: string, deps: EngineDeps): Promise<void> {
  const first = [...cmd.members].sort((a, b) =>
    a.finding.orderingTime.localeCompare(b.finding.orderingTime),
  )[0]!;
  try {
    await deps.ledger.recordExecution({
      executionId: commandId,
      kind: 'command',
      remediationId: cmd.remediationId,
      family: first.finding.family,
      document: cmd.document,
      resourceIds: cmd.instanceIds,
      resourceType: first.finding.resourceType,
      findingTime: first.finding.orderingTime,
      findingTimes: Object.fromEntries(
        cmd.members.map((m) => [m.finding.resourceId, m.finding.orderingTime]),
      ),
      eventId: first.finding.eventId,
      account: first.finding.account,
      region: first.finding.region,
      startedAt: deps.now().toISOString(),
      ...(first.finding.rule ? { rule: first.finding.rule } : {}),
    });
  } catch (e) {
    deps.log.error('command sent but not recorded in the ledger', {
      commandId,
      remediation: cmd.remediationId,
      instances: cmd.instanceIds.length,
      error: errorMessage(e),
    });
  }
}

/** The aggregated notification of one fan-out: a headline outcome and every outcome it summarises. */
export function fanoutNotification(
  outcomes: readonly Outcome[],
  commands: FanoutResult['commands'],
  at: string,
): Notification | undefined {
  const told = outcomes.filter(shouldNotify);
  if (told.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const o of told) {
    const k = o.code ? `${o.outcome} (${o.code})` : o.outcome;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const worst = SEVERITY.find((k) => told.some((o) => o.outcome === k)) ?? 'skipped';
  const instances = commands.reduce((n, c) => n + c.instanceIds.length, 0);
  const summary = [...counts].map(([k, v]) => `${v} ${k}`).join(', ');
  const sent = commands.length
    ? `sent ${[...new Set(commands.map((c) => c.document))].join(', ')} to ${instances} instance(s) in ${commands.length} command(s); `
    : '';
  const single = commands.length === 1 ? commands[0]! : undefined;
  const first = told[0]!;
  const headline: Outcome = {
    eventId: first.eventId,
    outcome: worst,
    reason: `${sent}${told.length} finding(s): ${summary}`,
    family: 'patch.failed',
    ...(first.account ? { account: first.account } : {}),
    ...(first.region ? { region: first.region } : {}),
    ...(commands.length === 1 ? { remediation: commands[0]!.remediationId } : {}),
    ...(single ? { executionId: single.commandId } : {}),
    actions: commands.map(({ commandId: _id, remediationId: _r, ...c }) => ({ kind: 'sendCommand', ...c })),
    at,
  };
  return {
    outcome: headline,
    outcomes: told,
    title: `Patch fan-out: ${told.length} finding(s), ${commands.length} command(s)`,
    consoleUrl: consoleUrl(headline),
  };
}

/** Logs and records every outcome, then sends one notification for the whole batch. */
async function finishFanout(
  outcomes: Outcome[],
  commands: FanoutResult['commands'],
  deps: EngineDeps,
): Promise<Notification | undefined> {
  for (const o of outcomes) {
    await recordOutcome(o, 'decision', deps);
  }
  const n = fanoutNotification(outcomes, commands, deps.now().toISOString());
  if (!n) return undefined;
  try {
    await deps.notifier.notify(n);
  } catch (e) {
    deps.log.error('fan-out notification failed', { error: errorMessage(e) });
  }
  return n;
}
