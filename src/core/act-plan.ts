/**
 * Acting plans, pure: what the executor (`execute.ts`) is asked to do. A plan is the SSM calls
 * decided (each Automation start with its own ClientToken and the service's tags) and the findings
 * they serve (their claims already taken). The engine makes one plan per acting decision; the patch
 * fan-out makes one per shared Run Command.
 */
import type { ExecutionRecord, SendCommandRequest, StartAutomationRequest } from '../ports/index.ts';
import type { Remediation } from './remediation.ts';
import { clientToken } from './token.ts';
import type { Action, DecidedOutcome, Finding } from '../model/types.ts';

/**
 * Tags put on every execution the service starts (at most 5 at start). With them the reconcile sweep
 * rebuilds the ledger's record of an execution whose record was lost (src/core/recovery.ts): the
 * finding tag carries `<family> <findingTime> <resourceType> <account> <region>`, the rule tag the
 * Config rule (Config findings only).
 */
export const TAG_REMEDIATION = 'ssm-remediator:remediation';
export const TAG_RESOURCE = 'ssm-remediator:resource';
export const TAG_EVENT = 'ssm-remediator:event';
export const TAG_FINDING = 'ssm-remediator:finding';
export const TAG_RULE = 'ssm-remediator:rule';
/** Mode `approve`: who approved the plan (a Slack user or an IAM principal). */
export const TAG_APPROVED_BY = 'ssm-remediator:approved-by';

/**
 * The approver on an execution's tags: its own tag when there is room (SSM takes at most 5 at start),
 * else appended to the finding tag (recovery reads only that tag's first five words).
 */
export function withApprover(
  tags: Record<string, string>,
  approvedBy: string | undefined,
): Record<string, string> {
  if (!approvedBy) return tags;
  const by = approvedBy.replace(/[^\w .:/=+\-@]/g, '_').slice(0, 200);
  if (Object.keys(tags).length < 5) return { ...tags, [TAG_APPROVED_BY]: by };
  return { ...tags, [TAG_FINDING]: `${tags[TAG_FINDING]} approved-by=${by}`.slice(0, 256) };
}

/** The finding tag's value (SSM tag values allow letters, digits, spaces and `_.:/=+-@`). */
export function findingTag(f: Finding): string {
  return [f.family, f.orderingTime, f.resourceType, f.account, f.region].join(' ').slice(0, 256);
}

/** One SSM call of a plan, with the resources its execution record names. */
export type PlannedCall =
  | { kind: 'automation'; request: StartAutomationRequest; resourceIds: string[] }
  | { kind: 'command'; request: SendCommandRequest; resourceIds: string[] };

/** One finding a plan serves. */
export interface PlanMember {
  finding: Finding;
  remediation: Remediation;
  /** The decision's outcome: the base of the member's final outcome (`at` set when it ends, if unset). */
  outcome: DecidedOutcome & { at?: string };
  /** The queue record the finding came from (fan-out), so that only it is redelivered. */
  recordId?: string;
}

export interface ActingPlan {
  remediationId: string;
  /** In order; the outcome names the last execution started. */
  calls: PlannedCall[];
  members: PlanMember[];
  /** One Run Command shared by several findings (the fan-out): recorded with each finding's time. */
  shared?: boolean;
}

/**
 * The plan of one acting decision: its Automation starts and Run Commands, in order. Every
 * Automation start gets its own ClientToken (the n-th start of the plan, step n), derived from the
 * finding, so a redelivery starts nothing twice and two starts are two executions.
 */
export function decisionPlan(member: PlanMember, actions: readonly Action[]): ActingPlan {
  const { finding, remediation: r } = member;
  const calls: PlannedCall[] = [];
  let step = 0;
  for (const a of actions) {
    if (a.kind === 'startAutomation') {
      calls.push({
        kind: 'automation',
        request: {
          document: a.document,
          parameters: a.parameters,
          clientToken: clientToken(r.id, finding.resourceId, finding.orderingTime, step++),
          tags: withApprover(
            {
              [TAG_REMEDIATION]: r.id,
              [TAG_RESOURCE]: finding.resourceId,
              [TAG_EVENT]: finding.eventId,
              [TAG_FINDING]: findingTag(finding),
              ...(finding.rule ? { [TAG_RULE]: finding.rule.slice(0, 256) } : {}),
            },
            member.outcome.approvedBy,
          ),
        },
        resourceIds: [finding.resourceId],
      });
    } else if (a.kind === 'sendCommand') {
      calls.push({
        kind: 'command',
        request: {
          document: a.document,
          parameters: a.parameters,
          instanceIds: a.instanceIds,
          maxConcurrency: a.maxConcurrency,
          maxErrors: a.maxErrors,
          timeoutSeconds: a.timeoutSeconds,
          comment: `ssm-remediator ${r.id}`.slice(0, 100),
        },
        resourceIds: a.instanceIds,
      });
    }
  }
  return { remediationId: r.id, calls, members: [member] };
}

/** The ledger's record of one call of a plan that SSM took (named by its first finding). */
export function executionRecord(
  plan: ActingPlan,
  call: PlannedCall,
  executionId: string,
  startedAt: string,
): ExecutionRecord {
  const first = [...plan.members].sort((a, b) =>
    a.finding.orderingTime.localeCompare(b.finding.orderingTime),
  )[0]!.finding;
  return {
    executionId,
    kind: call.kind,
    remediationId: plan.remediationId,
    family: first.family,
    document: call.request.document,
    resourceIds: call.resourceIds,
    resourceType: first.resourceType,
    findingTime: first.orderingTime,
    ...(plan.shared
      ? {
          findingTimes: Object.fromEntries(
            plan.members.map((m) => [m.finding.resourceId, m.finding.orderingTime]),
          ),
        }
      : {}),
    eventId: first.eventId,
    account: first.account,
    region: first.region,
    startedAt,
    ...(first.rule ? { rule: first.rule } : {}),
  };
}
