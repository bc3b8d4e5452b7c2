/**
 * The operator's own events, put on the service's bus (RemediatorBus) by `remediator remediate` and
 * `remediator backfill`. Only the stage's `operatorPrincipals` may put them (serverless/bus-policy.cjs);
 * `requestedBy` is the caller's identity as STS GetCallerIdentity told the CLI.
 */
import * as z from '../model/zod.ts';
import { safeResourceId } from './envelope.ts';

export const OPERATOR_EVENT_SOURCE = 'ssm-remediator.operator';
export const REMEDIATION_REQUESTED = 'Remediation Requested';
export const BACKFILL_REQUESTED = 'Backfill Requested';

const remediationId = z.string().check(z.regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a remediation id'));
const principal = z
  .string()
  .check(z.regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:[\w+=,.@/-]{1,512}$/, 'must be an IAM or STS ARN'));

/** Detail of `Remediation Requested`: remediate this resource now, through every gate. */
export const remediationRequested = z.object({
  remediation: remediationId,
  resourceId: safeResourceId.check(z.maxLength(256)),
  requestedBy: principal,
  /** Free text the operator gave (a ticket); repeated in the outcome's reason. */
  note: z.optional(z.string().check(z.maxLength(200), z.regex(/^[^\u0000-\u001f]*$/, 'must be one line'))),
});
export type RemediationRequested = z.infer<typeof remediationRequested>;

/** Detail of `Backfill Requested`: feed what Config reports NON_COMPLIANT now, at most `limit`. */
export const backfillRequested = z.object({
  remediations: z.optional(z.array(remediationId).check(z.maxLength(100))),
  limit: z.int().check(z.gte(1), z.lte(500)),
  requestedBy: principal,
});
export type BackfillRequested = z.infer<typeof backfillRequested>;

/** Whether an event is one of the operator's (by source and detail-type only). */
export function operatorEventType(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as Record<string, unknown>;
  return e['source'] === OPERATOR_EVENT_SOURCE && typeof e['detail-type'] === 'string'
    ? e['detail-type']
    : undefined;
}
