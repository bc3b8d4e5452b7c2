/**
 * A finding kept in the ledger (held work) comes back as a typed `Finding` (types.ts): its detail is
 * validated against its family's variants. Items written before details carried their `source` are
 * read by their shape (a `commandId`: a command invocation; a `reason`: the agent sweep; …).
 */
import * as z from './zod.ts';
import { TRIGGER_FAMILIES, type Finding, type TriggerFamily } from './types.ts';

const str = z.string();
/** A Run Command invocation's status, as SSM's events carry it (src/events/patch.ts too). */
export const commandInvocationStatus = z.enum([
  'Pending',
  'InProgress',
  'Delayed',
  'Success',
  'Cancelled',
  'TimedOut',
  'Failed',
  'Cancelling',
]);
const opt = z.optional(z.string());
const requested = z.object({
  source: z.literal('operator'),
  requestedRemediation: str,
  requestedBy: str,
  note: opt,
});

const details = {
  'config.noncompliant': z.discriminatedUnion('source', [
    z.object({ source: z.literal('config-rule'), configRuleArn: str, annotation: opt }),
    z.object({ source: z.literal('backfill'), annotation: opt, requestedBy: opt }),
    requested,
  ]),
  'patch.failed': z.discriminatedUnion('source', [
    z.object({
      source: z.literal('command-invocation'),
      commandId: str,
      status: commandInvocationStatus,
    }),
    z.object({ source: z.literal('compliance'), severity: opt, patchBaselineId: opt }),
    requested,
  ]),
  'agent.disconnected': z.discriminatedUnion('source', [
    z.object({
      source: z.literal('agent-sweep'),
      pingStatus: z.enum(['ConnectionLost', 'Online', 'Inactive']),
      reason: z.enum(['connection-lost', 'stale-ping']),
      lastPingDateTime: opt,
      platformType: opt,
      consecutiveSweeps: z.number(),
    }),
    requested,
  ]),
  'association.failed': z.discriminatedUnion('source', [
    z.object({
      source: z.literal('association-state'),
      associationId: str,
      detailedStatus: opt,
      errorCode: opt,
    }),
    z.object({ source: z.literal('compliance') }),
    requested,
  ]),
} satisfies Record<TriggerFamily, z.ZodMiniType>;

/** The source of a detail stored before details named it, by its shape. */
function legacySource(family: TriggerFamily, d: Record<string, unknown>): string {
  switch (family) {
    case 'config.noncompliant':
      return 'config-rule';
    case 'patch.failed':
      return 'commandId' in d ? 'command-invocation' : 'compliance';
    case 'agent.disconnected':
      return 'agent-sweep';
    case 'association.failed':
      return 'associationId' in d ? 'association-state' : 'compliance';
  }
}

/** The fields every stored finding has (src/events/stored-finding.ts narrows `detail`). */
export const findingBase = z.object({
  family: z.enum(TRIGGER_FAMILIES),
  eventId: z.string().check(z.minLength(1)),
  account: z.string(),
  region: z.string(),
  resourceType: z.string().check(z.minLength(1)),
  resourceId: z.string().check(z.minLength(1)),
  rule: z.optional(z.string()),
  orderingTime: z.string().check(z.minLength(1)),
  time: z.string().check(z.minLength(1)),
  detail: z.record(z.string(), z.unknown()),
});

/** A stored finding as a typed one; throws (zod) if its detail is not one of its family's. */
export function typedFinding(stored: unknown): Finding {
  const f = findingBase.parse(stored);
  const raw = f.detail;
  const withSource =
    typeof raw['source'] === 'string' ? raw : { ...raw, source: legacySource(f.family, raw) };
  const detail = details[f.family].parse(withSource);
  return { ...f, detail } as Finding;
}
