/**
 * Patch fan-out, the pure part: decided findings in, SendCommand groups out. Findings whose decision
 * is a single Run Command on their own instance are grouped by (remediation, document, parameters,
 * rate control) and cut into commands of at most 50 instance ids (the SendCommand limit,
 * AWS-FACTS §2.4). Each group becomes one acting plan for the one executor (`execute.ts`), and the
 * batch's outcomes one aggregated notification.
 */
import type { Notification } from '../ports/index.ts';
import type { ActingPlan } from './act-plan.ts';
import type { Decision } from './decide.ts';
import { consoleUrl, shouldNotify } from './notify.ts';
import type { Remediation } from './remediation.ts';
import { mostSevere } from './severity.ts';
import type { Action, DocumentParameters, Finding, Outcome } from '../model/types.ts';

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

/** The acting plan of one shared command: one Run Command, every finding it serves. */
export function commandPlan(cmd: PlannedCommand): ActingPlan {
  return {
    remediationId: cmd.remediationId,
    shared: true,
    calls: [
      {
        kind: 'command',
        request: {
          document: cmd.document,
          parameters: cmd.parameters,
          instanceIds: cmd.instanceIds,
          maxConcurrency: cmd.maxConcurrency,
          maxErrors: cmd.maxErrors,
          timeoutSeconds: cmd.timeoutSeconds,
          comment: `ssm-remediator ${cmd.remediationId} fan-out`.slice(0, 100),
        },
        resourceIds: cmd.instanceIds,
      },
    ],
    members: cmd.members.map((m) => ({
      finding: m.finding,
      remediation: m.remediation,
      outcome: m.decision.outcome,
      recordId: m.recordId,
    })),
  };
}

/** The aggregated notification of one fan-out: a headline outcome and every outcome it summarises. */
export function fanoutNotification(
  outcomes: readonly Outcome[],
  commands: readonly SentCommand[],
  at: string,
): Notification | undefined {
  const told = outcomes.filter(shouldNotify);
  if (told.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const o of told) {
    const k = o.code ? `${o.outcome} (${o.code})` : o.outcome;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const worst = mostSevere(told)!.outcome;
  const instances = commands.reduce((n, c) => n + c.instanceIds.length, 0);
  const summary = [...counts].map(([k, v]) => `${v} ${k}`).join(', ');
  const sent = commands.length
    ? `sent ${[...new Set(commands.map((c) => c.document))].join(', ')} to ${instances} instance(s) in ${commands.length} command(s); `
    : '';
  const single = commands.length === 1 ? commands[0]! : undefined;
  const first = told[0]!;
  // The batch's headline, for the notification's title: the most severe kind among its findings
  // (each of which carries its own code), not an outcome of one finding.
  const headline = {
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
  } as Outcome;
  return {
    outcome: headline,
    outcomes: told,
    title: `Patch fan-out: ${told.length} finding(s), ${commands.length} command(s)`,
    consoleUrl: consoleUrl(headline),
  };
}
