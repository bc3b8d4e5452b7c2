/**
 * Recovery by tag: every Automation execution the service starts carries its tags (act-plan.ts
 * TAG_*). Each reconcile sweep asks SSM for the service's own executions of the last window
 * (DescribeAutomationExecutions, TagKey and start-time filters), compares them with what the ledger
 * recorded (its starts by clock hour, ledger-starts.ts), and records the ones it missed from their tags (a ledger write
 * that failed right after a successful start). One that already ended is closed at once (outcome,
 * guards, admission slot, notification) through the completion path; one still running is closed by
 * its completion event or the sweep's poll. Then a leaked admission counter heals (admission.ts).
 *
 * Run Command: the fan-out's commands carry the Comment `ssm-remediator <remediation>` but no tags
 * and no finding; recovery does not rebuild them (docs/guards.md "Recovery").
 */
import type { ExecutionRecord, LogPort } from '../ports/index.ts';
import type { OwnAutomation, OwnExecutionsPort } from '../ports/own-executions.ts';
import { TAG_EVENT, TAG_FINDING, TAG_REMEDIATION, TAG_RESOURCE, TAG_RULE } from './act-plan.ts';
import { healedSlots, type AdmissionLimits } from './admission.ts';
import { closeExecution, type CompletionDeps, type CompletionResult } from './completion.ts';
import { errorMessage } from '../model/errors.ts';
import { terminalVerdict } from './execution-status.ts';
import { TRIGGER_FAMILIES, type TriggerFamily } from '../model/types.ts';

/** Executions started this long ago or less are compared with the ledger at each sweep (three 15-min sweeps). */
export const RECOVERY_WINDOW_MINUTES = 45;
/** Starts younger than this are left to the invocation that is recording them. */
export const RECOVERY_SETTLE_MS = 60_000;
/**
 * A counter is re-derived only after no slot was taken for this long: longer than any invocation
 * lives (Lambda's 15 min), so no start sits between its slot and its ledger record.
 */
export const SLOT_QUIET_MS = 15 * 60_000;

export interface RecoveryDeps extends CompletionDeps {
  own?: OwnExecutionsPort;
  config: { admission?: AdmissionLimits };
}

export interface RecoveryReport {
  /** Executions recorded from their tags. */
  recovered: string[];
  /** Those already ended, closed now. */
  closed: CompletionResult[];
  /** Executions whose tags could not rebuild a record (started before the finding tag). */
  unreadable: string[];
  /** The admission counter's value before and after it healed, if it did. */
  healed?: { from: number; to: number };
}

/** The ledger's record of an execution, rebuilt from its tags; undefined if the tags fall short. */
export function recordFromTags(
  exec: OwnAutomation,
  tags: Record<string, string>,
  now: Date,
): ExecutionRecord | undefined {
  const parsed = parseRecoveryTags(tags);
  if (!parsed) return undefined;
  return {
    executionId: exec.executionId,
    kind: 'automation',
    remediationId: parsed.remediationId,
    family: parsed.family,
    document: exec.document,
    resourceIds: [parsed.resourceId],
    resourceType: parsed.resourceType,
    findingTime: parsed.findingTime,
    eventId: parsed.eventId,
    account: parsed.account,
    region: parsed.region,
    startedAt: exec.startTime ?? now.toISOString(),
    ...(parsed.rule ? { rule: parsed.rule } : {}),
  };
}

/** What the service's tags say about the finding an execution serves. */
export function parseRecoveryTags(tags: Record<string, string>):
  | {
      remediationId: string;
      resourceId: string;
      eventId: string;
      family: TriggerFamily;
      findingTime: string;
      resourceType: string;
      account: string;
      region: string;
      rule?: string;
    }
  | undefined {
  const remediationId = tags[TAG_REMEDIATION];
  const resourceId = tags[TAG_RESOURCE];
  const eventId = tags[TAG_EVENT];
  const [family, findingTime, resourceType, account, region] = (tags[TAG_FINDING] ?? '').split(' ');
  if (!remediationId || !resourceId || !eventId || !findingTime || !resourceType) return undefined;
  if (!(TRIGGER_FAMILIES as readonly string[]).includes(family ?? '')) return undefined;
  const rule = tags[TAG_RULE];
  return {
    remediationId,
    resourceId,
    eventId,
    family: family as TriggerFamily,
    findingTime,
    resourceType,
    account: account ?? '',
    region: region ?? '',
    ...(rule ? { rule } : {}),
  };
}

/** Finds the service's executions the ledger missed, records them, and closes those that ended. */
export async function recoverByTag(deps: RecoveryDeps): Promise<RecoveryReport> {
  const report: RecoveryReport = { recovered: [], closed: [], unreadable: [] };
  const own = deps.own;
  if (own && deps.ledger.startedBetween) {
    const now = deps.now();
    const from = new Date(now.getTime() - RECOVERY_WINDOW_MINUTES * 60_000);
    const to = new Date(now.getTime() - RECOVERY_SETTLE_MS);
    const [listed, known] = await Promise.all([
      own.list(TAG_REMEDIATION, from, to),
      deps.ledger.startedBetween(from, now),
    ]);
    for (const exec of listed) {
      if (known.has(exec.executionId)) continue;
      try {
        await recoverOne(exec, own, deps, report);
      } catch (e) {
        deps.log.warn('execution not recovered; tried again on the next sweep', {
          executionId: exec.executionId,
          error: errorMessage(e),
        });
      }
    }
  }
  const healed = await healAdmission(deps);
  return healed ? { ...report, healed } : report;
}

async function recoverOne(
  exec: OwnAutomation,
  own: OwnExecutionsPort,
  deps: RecoveryDeps,
  report: RecoveryReport,
): Promise<void> {
  let stored = await deps.ledger.getExecution(exec.executionId);
  if (!stored) {
    const rec = recordFromTags(exec, await own.tags(exec.executionId), deps.now());
    if (!rec) {
      report.unreadable.push(exec.executionId);
      deps.log.warn('own execution not in the ledger, and its tags cannot rebuild its record', {
        executionId: exec.executionId,
      });
      return;
    }
    await deps.ledger.recordExecution(rec);
    deps.log.warn('execution recovered: started, but its ledger record was missing', {
      executionId: exec.executionId,
      remediation: rec.remediationId,
      resourceId: rec.resourceIds[0],
    });
    report.recovered.push(exec.executionId);
    stored = await deps.ledger.getExecution(exec.executionId);
  }
  if (stored?.phase === 'in-flight' && terminalVerdict('automation', exec.status))
    report.closed.push(await closeExecution(stored, exec.status, deps));
}

/** Re-derives the admission counter from the ledger's open Automation executions if it leaked. */
export async function healAdmission(deps: {
  ledger: CompletionDeps['ledger'];
  config: { admission?: AdmissionLimits };
  log: LogPort;
  now: () => Date;
}): Promise<{ from: number; to: number } | undefined> {
  const { ledger } = deps;
  if (!deps.config.admission || !ledger.slots || !ledger.setSlots) return undefined;
  try {
    const counter = await ledger.slots();
    if (counter.n === 0) return undefined;
    const now = deps.now();
    const open = (await ledger.listInFlight(now)).filter((e) => e.kind === 'automation').length;
    const to = healedSlots(counter, open, now, SLOT_QUIET_MS);
    if (to === undefined || !(await ledger.setSlots(counter, to))) return undefined;
    deps.log.warn('admission counter re-derived from the open executions (a slot had leaked)', {
      from: counter.n,
      to,
    });
    return { from: counter.n, to };
  } catch (e) {
    deps.log.warn('admission counter not checked; tried on the next sweep', { error: errorMessage(e) });
    return undefined;
  }
}
