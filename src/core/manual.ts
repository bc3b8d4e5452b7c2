/**
 * `Remediation Requested` → a manual finding for the one remediation the operator named. The finding
 * takes the remediation's own trigger family (and, for Config remediations, its first rule and the
 * resource type that rule evaluates), so it goes through exactly the gates, ledger and guards an
 * event of that kind would; the named remediation is the only one matched (registry.ts). Its
 * ordering time is the request's time, so a redelivered request is one finding and a new request
 * is a new one (still subject to the loop guard). Pure.
 */
import * as z from '../model/zod.ts';
import { envelope } from '../events/envelope.ts';
import { checkEnvelopeOrigin, type Home } from '../events/origin.ts';
import { remediationRequested } from '../events/operator.ts';
import { ValidationError } from '../model/errors.ts';
import { ID_PATTERNS } from '../model/ids.ts';
import type { Registry } from './registry.ts';
import type { Finding, Outcome, RequestedDetail } from '../model/types.ts';

function parse<T extends z.ZodMiniType>(schema: T, value: unknown, prefix: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  throw new ValidationError(field || '(event)', issue.message);
}

const instanceType = (id: string): string =>
  id.startsWith('mi-') ? 'AWS::SSM::ManagedInstance' : 'AWS::EC2::Instance';

/** The finding a `Remediation Requested` event asks for; a ValidationError naming the field otherwise. */
export function manualFinding(event: unknown, registry: Registry, home: Home = {}): Finding {
  const env = parse(envelope, event, '');
  checkEnvelopeOrigin(env, home);
  const d = parse(remediationRequested, env.detail, 'detail');
  const r = registry.get(d.remediation);
  if (!r) throw new ValidationError('detail.remediation', `unknown remediation ${d.remediation}`);
  const detail: RequestedDetail = {
    source: 'operator',
    requestedRemediation: r.id,
    requestedBy: d.requestedBy,
    ...(d.note ? { note: d.note } : {}),
  };
  const base = {
    eventId: env.id,
    account: env.account,
    region: env.region,
    resourceId: d.resourceId,
    orderingTime: env.time,
    time: env.time,
    detail,
  };
  if (r.trigger === 'config.noncompliant') {
    const ref = r.configRules?.[0];
    if (!ref)
      throw new ValidationError('detail.remediation', `${r.id} declares no configRules to request it by`);
    return { ...base, family: r.trigger, resourceType: ref.resourceType, rule: ref.rule };
  }
  if (!ID_PATTERNS.managedInstanceId.test(d.resourceId))
    throw new ValidationError(
      'detail.resourceId',
      `${r.id} acts on instances: give an instance id (i-… or mi-…)`,
    );
  // A requested detail is a member of every family's details (types.ts FindingDetails).
  return {
    ...base,
    family: r.trigger,
    resourceType: instanceType(d.resourceId),
    ...(r.trigger === 'patch.failed' ? { rule: 'AWS-RunPatchBaseline' } : {}),
  } as Finding;
}

/** The remediation a manual finding names, if it is one. */
export function requestedRemediation(finding: Pick<Finding, 'detail'>): string | undefined {
  return finding.detail.source === 'operator' ? finding.detail.requestedRemediation : undefined;
}

/** An outcome of a manual or backfilled finding says who asked and how it came (ledger and notification). */
export function withRequester(finding: Pick<Finding, 'detail'>, o: Outcome): Outcome {
  const d = finding.detail;
  if (d.source !== 'operator' && d.source !== 'backfill') return o;
  return { ...o, ...(d.requestedBy ? { requestedBy: d.requestedBy } : {}), origin: d.source };
}
