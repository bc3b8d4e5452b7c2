/**
 * Event → Finding. Each trigger family has a zod schema; a malformed event becomes a
 * ValidationError whose `field` is the dotted path of the first bad field (e.g.
 * `detail.newEvaluationResult.complianceType`).
 */
import * as z from '../model/zod.ts';
import { ValidationError } from '../model/errors.ts';
import type { Finding, TriggerFamily } from '../model/types.ts';
import { AGENT_DISCONNECTED, AGENT_EVENT_SOURCE, agentDisconnected } from './agent.ts';
import {
  INSTANCE_ASSOCIATION_STATE_CHANGE,
  associationComplianceChange,
  instanceAssociationStateChange,
} from './association.ts';
import { configComplianceChange } from './config.ts';
import { envelope, type Envelope } from './envelope.ts';
import { checkArn, checkEnvelopeOrigin, sameAs, type Home } from './origin.ts';
import { commandInvocationStatusChange, complianceStateChange } from './patch.ts';

function parse<T extends z.ZodMiniType>(schema: T, value: unknown, prefix: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  throw new ValidationError(field || '(event)', issue.message);
}

const resourceTypeOfInstance = (id: string): string =>
  id.startsWith('mi-') ? 'AWS::SSM::ManagedInstance' : 'AWS::EC2::Instance';

type Parser = (env: Envelope) => Finding;

/**
 * A well-formed event that is not a finding: another event type (a calendar change, a status change,
 * a schedule) or an evaluation that says the resource is fine. Still a ValidationError, so the engine
 * treats it as before; `remediator plan` reports it as ignored rather than invalid.
 */
export class NotAFindingError extends ValidationError {
  override name = 'NotAFindingError';
  constructor(
    field: string,
    message: string,
    readonly detailType: string,
  ) {
    super(field, message);
  }
}

const base = <F extends TriggerFamily>(env: Envelope, family: F) => ({
  family,
  eventId: env.id,
  account: env.account,
  region: env.region,
  time: env.time,
});

const parsers: Record<string, Parser> = {
  'aws.config|Config Rules Compliance Change': (env) => {
    const d = parse(configComplianceChange, env.detail, 'detail');
    sameAs('detail.awsAccountId', d.awsAccountId, env.account, 'account');
    sameAs('detail.awsRegion', d.awsRegion, env.region, 'region');
    checkArn('detail.configRuleARN', d.configRuleARN, env);
    if (d.newEvaluationResult.complianceType !== 'NON_COMPLIANT') {
      throw new NotAFindingError(
        'detail.newEvaluationResult.complianceType',
        `is ${d.newEvaluationResult.complianceType}; only NON_COMPLIANT findings are remediated`,
        env['detail-type'],
      );
    }
    return {
      ...base(env, 'config.noncompliant'),
      resourceType: d.resourceType,
      resourceId: d.resourceId,
      rule: d.configRuleName,
      orderingTime: d.newEvaluationResult.evaluationResultIdentifier.orderingTimestamp,
      detail: {
        source: 'config-rule',
        configRuleArn: d.configRuleARN,
        annotation: d.newEvaluationResult.annotation ?? undefined,
      },
    };
  },
  'aws.ssm|EC2 Command Invocation Status-change Notification': (env) => {
    const d = parse(commandInvocationStatusChange, env.detail, 'detail');
    return {
      ...base(env, 'patch.failed'),
      resourceType: resourceTypeOfInstance(d['instance-id']),
      resourceId: d['instance-id'],
      rule: d['document-name'],
      orderingTime: env.time,
      detail: { commandId: d['command-id'], status: d.status, source: 'command-invocation' },
    };
  },
  'aws.ssm|Configuration Compliance State Change': (env) => {
    if (env.detail['compliance-type'] === 'Association') return associationCompliance(env);
    const d = parse(complianceStateChange, env.detail, 'detail');
    nonCompliant(d['compliance-status'], env);
    return {
      ...base(env, 'patch.failed'),
      resourceType: resourceTypeOfInstance(d['resource-id']),
      resourceId: d['resource-id'],
      rule: d['compliance-type'],
      orderingTime: env.time,
      detail: { severity: d.severity, patchBaselineId: d['patch-baseline-id'], source: 'compliance' },
    };
  },
  [`aws.ssm|${INSTANCE_ASSOCIATION_STATE_CHANGE}`]: (env) => {
    const d = parse(instanceAssociationStateChange, env.detail, 'detail');
    if (d.status !== 'Failed') {
      throw new NotAFindingError(
        'detail.status',
        `is ${d.status}; only Failed associations are remediated`,
        env['detail-type'],
      );
    }
    return {
      ...base(env, 'association.failed'),
      resourceType: resourceTypeOfInstance(d['instance-id']),
      resourceId: d['instance-id'],
      rule: d['document-name'],
      // The association's run, not the event: both events of one failed run name the same time.
      orderingTime: d['last-execution-date'] || env.time,
      detail: {
        associationId: d['association-id'],
        detailedStatus: d['detailed-status'] || undefined,
        errorCode: d['error-code'] || undefined,
        source: 'association-state',
      },
    };
  },
  [`${AGENT_EVENT_SOURCE}|${AGENT_DISCONNECTED}`]: (env) => {
    const d = parse(agentDisconnected, env.detail, 'detail');
    return {
      ...base(env, 'agent.disconnected'),
      resourceType: resourceTypeOfInstance(d.instanceId),
      resourceId: d.instanceId,
      orderingTime: d.detectedAt,
      detail: {
        source: 'agent-sweep',
        pingStatus: d.pingStatus,
        reason: d.reason,
        lastPingDateTime: d.lastPingDateTime,
        platformType: d.platformType,
        consecutiveSweeps: d.consecutiveSweeps,
      },
    };
  },
};

/** A compliance change is a finding only when it says non_compliant. */
function nonCompliant(status: string, env: Envelope): void {
  if (status !== 'non_compliant')
    throw new NotAFindingError(
      'detail.compliance-status',
      `is ${status}; expected non_compliant`,
      env['detail-type'],
    );
}

/** `Configuration Compliance State Change` for compliance-type Association: names only the instance. */
function associationCompliance(env: Envelope): Finding<'association.failed'> {
  const d = parse(associationComplianceChange, env.detail, 'detail');
  nonCompliant(d['compliance-status'], env);
  return {
    ...base(env, 'association.failed'),
    resourceType: resourceTypeOfInstance(d['resource-id']),
    resourceId: d['resource-id'],
    rule: 'Association',
    orderingTime: d['last-runtime'] ?? env.time,
    detail: { source: 'compliance' },
  };
}

/** The event types this module turns into findings, as `source|detail-type`. */
export const FINDING_EVENT_TYPES = Object.keys(parsers);

/**
 * Validates an EventBridge event and normalises it to a Finding; throws ValidationError naming the
 * field. With `home`, an event from another account or region than the deployment's is rejected
 * (origin.ts); the event's own ARNs and detail must agree with its envelope either way.
 */
export function parseFinding(event: unknown, home: Home = {}): Finding {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new ValidationError('(event)', 'must be a JSON object');
  }
  if (!('detail' in event)) throw new ValidationError('detail', 'is missing');
  const env = parse(envelope, event, '');
  const parser = parsers[`${env.source}|${env['detail-type']}`];
  if (!parser) {
    throw new NotAFindingError(
      'detail-type',
      `${JSON.stringify(env['detail-type'])} from ${env.source} is not a trigger`,
      env['detail-type'],
    );
  }
  checkEnvelopeOrigin(env, home);
  return parser(env);
}

/** Best-effort identity of an event that failed validation, for the rejected outcome and logs. */
export function eventIdentity(event: unknown): { eventId: string; account?: string; region?: string } {
  const o = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 128) : undefined);
  return { eventId: str(o.id) ?? 'unknown', account: str(o.account), region: str(o.region) };
}
