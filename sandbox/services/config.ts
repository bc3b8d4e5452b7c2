/**
 * Simulated AWS Config (`StarlingDoveService`): rules, each resource's compliance per rule, and the
 * `Config Rules Compliance Change` events AWS emits when an evaluation changes a resource's compliance.
 *
 * Two layers per rule+resource: the *actual* state (set by the scenario, or by the SSM simulation after a
 * remediation) and the *recorded* evaluation (what the APIs return). An evaluation (StartConfigRulesEvaluation,
 * or `evaluate()`) copies actual → recorded and emits an event for every resource whose compliance changed.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AwsError, validation } from '../errors.ts';
import { createClock, type SimClock } from '../clock.ts';
import type { BusEvent, EventSink, Operation, ServiceDef } from '../types.ts';
import {
  decodeToken,
  encodeToken,
  optionalNumber,
  optionalString,
  requiredString,
  stringList,
} from './input.ts';

export type ComplianceType = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE' | 'INSUFFICIENT_DATA';
export const COMPLIANCE_TYPES: readonly ComplianceType[] = [
  'COMPLIANT',
  'NON_COMPLIANT',
  'NOT_APPLICABLE',
  'INSUFFICIENT_DATA',
];

export interface ResourceRef {
  resourceType: string;
  resourceId: string;
}

export interface ConfigEvaluation extends ResourceRef {
  ruleName: string;
  complianceType: ComplianceType;
  annotation?: string;
  orderingTimestamp: Date;
  resultRecordedTime: Date;
  configRuleInvokedTime: Date;
}

export interface ConfigRule {
  name: string;
  arn: string;
  id: string;
  sourceIdentifier?: string;
}

export interface ConfigService extends ServiceDef {
  /** Create a rule (idempotent); returns its ARN. */
  putRule(name: string, opts?: { sourceIdentifier?: string }): string;
  rules(): ConfigRule[];
  /** Set the resource's actual compliance for a rule; recorded (and announced) at the next evaluation, or now with `evaluate: true`. */
  setCompliance(
    ruleName: string,
    resource: ResourceRef,
    complianceType: ComplianceType,
    opts?: { annotation?: string; evaluate?: boolean },
  ): void;
  /** The same for every rule that knows the resource (or the given rules), e.g. after a successful remediation. */
  setResourceCompliance(
    resource: ResourceRef,
    complianceType: ComplianceType,
    opts?: { rules?: string[]; evaluate?: boolean },
  ): void;
  /**
   * Record an evaluation as if made before the sandbox existed (at `at`): the APIs return it, no event
   * is emitted (what a resource non-compliant before the deployment looks like).
   */
  recordEarlier(ruleName: string, resource: ResourceRef, complianceType: ComplianceType, at: Date): void;
  /** Evaluate rules now (all if none given); returns the compliance-change events emitted. */
  evaluate(ruleNames?: string[]): BusEvent[];
  evaluation(ruleName: string, resource: ResourceRef): ConfigEvaluation | undefined;
  evaluations(): ConfigEvaluation[];
}

export interface ConfigOptions {
  sink?: EventSink;
  clock?: SimClock;
  account?: string;
  region?: string;
  rules?: string[];
  /** Event ids (default random); the sandbox account passes a seeded generator so runs repeat. */
  ids?: () => string;
  /** Simulated time between StartConfigRulesEvaluation and the evaluation (default 0: immediately). */
  evaluationDelayMs?: number;
}

interface Actual {
  complianceType: ComplianceType;
  annotation?: string;
}

interface RuleState extends ConfigRule {
  actual: Map<string, { resource: ResourceRef; state: Actual }>;
  recorded: Map<string, ConfigEvaluation>;
}

const resourceKey = (r: ResourceRef): string => `${r.resourceType}|${r.resourceId}`;
const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function noSuchRule(name: string): AwsError {
  return new AwsError(
    'NoSuchConfigRuleException',
    `The ConfigRule '${name}' provided in the request is invalid. Please check the configRule name.`,
  );
}

function ruleId(name: string): string {
  const hash = createHash('sha256').update(name).digest();
  return [...hash.subarray(0, 6)].map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
}

function readComplianceTypes(input: Record<string, unknown>): ComplianceType[] | undefined {
  const types = stringList(input, 'ComplianceTypes');
  if (!types || types.length === 0) return undefined;
  for (const t of types) {
    if (!COMPLIANCE_TYPES.includes(t as ComplianceType)) {
      throw validation(
        `1 validation error detected: Value '[${types.join(', ')}]' at 'complianceTypes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${COMPLIANCE_TYPES.join(', ')}]]`,
      );
    }
  }
  return types as ComplianceType[];
}

function evaluationJson(e: ConfigEvaluation): Record<string, unknown> {
  const out: Record<string, unknown> = {
    evaluationResultIdentifier: {
      evaluationResultQualifier: {
        configRuleName: e.ruleName,
        resourceType: e.resourceType,
        resourceId: e.resourceId,
      },
      orderingTimestamp: e.orderingTimestamp.toISOString(),
    },
    complianceType: e.complianceType,
    resultRecordedTime: e.resultRecordedTime.toISOString(),
    configRuleInvokedTime: e.configRuleInvokedTime.toISOString(),
  };
  if (e.annotation !== undefined) out['annotation'] = e.annotation;
  return out;
}

/** The wire `EvaluationResult` shape (timestamps become epoch seconds in the JSON encoder). */
function evaluationResult(e: ConfigEvaluation): Record<string, unknown> {
  const out: Record<string, unknown> = {
    EvaluationResultIdentifier: {
      EvaluationResultQualifier: {
        ConfigRuleName: e.ruleName,
        ResourceType: e.resourceType,
        ResourceId: e.resourceId,
        EvaluationMode: 'DETECTIVE',
      },
      OrderingTimestamp: e.orderingTimestamp,
    },
    ComplianceType: e.complianceType,
    ResultRecordedTime: e.resultRecordedTime,
    ConfigRuleInvokedTime: e.configRuleInvokedTime,
  };
  if (e.annotation !== undefined) out['Annotation'] = e.annotation;
  return out;
}

function paginate(
  items: ConfigEvaluation[],
  input: Record<string, unknown>,
  limit: number,
): { EvaluationResults: Array<Record<string, unknown>>; NextToken?: string } {
  const start = decodeToken(optionalString(input, 'NextToken'), 'InvalidNextTokenException');
  const page = items.slice(start, start + limit).map(evaluationResult);
  return start + limit < items.length
    ? { EvaluationResults: page, NextToken: encodeToken(start + limit) }
    : { EvaluationResults: page };
}

export function createConfigService(opts: ConfigOptions = {}): ConfigService {
  const account = opts.account ?? '123456789012';
  const region = opts.region ?? 'us-east-1';
  const clock = opts.clock ?? createClock();
  const rules = new Map<string, RuleState>();

  const rule = (name: string): RuleState => {
    const found = rules.get(name);
    if (!found) throw noSuchRule(name);
    return found;
  };

  const putRule = (name: string, ruleOpts: { sourceIdentifier?: string } = {}): string => {
    const existing = rules.get(name);
    if (existing) return existing.arn;
    const id = `config-rule-${ruleId(name)}`;
    const state: RuleState = {
      name,
      id,
      arn: `arn:aws:config:${region}:${account}:config-rule/${id}`,
      actual: new Map(),
      recorded: new Map(),
    };
    if (ruleOpts.sourceIdentifier !== undefined) state.sourceIdentifier = ruleOpts.sourceIdentifier;
    rules.set(name, state);
    return state.arn;
  };

  const changeEvent = (
    r: RuleState,
    next: ConfigEvaluation,
    previous: ConfigEvaluation | undefined,
    now: Date,
  ): BusEvent => {
    const detail: Record<string, unknown> = {
      resourceId: next.resourceId,
      awsRegion: region,
      awsAccountId: account,
      configRuleName: r.name,
      recordVersion: '1.0',
      configRuleARN: r.arn,
      messageType: 'ComplianceChangeNotification',
      newEvaluationResult: evaluationJson(next),
    };
    if (previous) detail['oldEvaluationResult'] = evaluationJson(previous);
    detail['notificationCreationTime'] = now.toISOString();
    detail['resourceType'] = next.resourceType;
    return configChangeEnvelope(detail, { id: (opts.ids ?? randomUUID)(), account, region, now });
  };

  const evaluateRule = (r: RuleState): BusEvent[] => {
    const events: BusEvent[] = [];
    const now = clock.now();
    for (const [key, { resource, state }] of r.actual) {
      const previous = r.recorded.get(key);
      const next: ConfigEvaluation = {
        ruleName: r.name,
        ...resource,
        complianceType: state.complianceType,
        orderingTimestamp: now,
        resultRecordedTime: now,
        configRuleInvokedTime: now,
      };
      if (state.annotation !== undefined) next.annotation = state.annotation;
      if (previous && previous.complianceType === next.complianceType) {
        previous.configRuleInvokedTime = now;
        continue;
      }
      r.recorded.set(key, next);
      events.push(changeEvent(r, next, previous, now));
    }
    return events;
  };

  const evaluate = (names?: string[]): BusEvent[] => {
    const targets = names ? names.map(rule) : [...rules.values()];
    const events = targets.flatMap(evaluateRule);
    for (const e of events) opts.sink?.emit(e);
    return events;
  };

  const setCompliance: ConfigService['setCompliance'] = (ruleName, resource, complianceType, o = {}) => {
    const r = rule(ruleName);
    const state: Actual = { complianceType };
    if (o.annotation !== undefined) state.annotation = o.annotation;
    r.actual.set(resourceKey(resource), { resource: { ...resource }, state });
    if (o.evaluate) evaluate([ruleName]);
  };

  const setResourceCompliance: ConfigService['setResourceCompliance'] = (
    resource,
    complianceType,
    o = {},
  ) => {
    const key = resourceKey(resource);
    const names = o.rules ?? [...rules.values()].filter((r) => r.actual.has(key)).map((r) => r.name);
    for (const name of names) setCompliance(name, resource, complianceType);
    if (o.evaluate) evaluate(names);
  };

  const recordEarlier: ConfigService['recordEarlier'] = (ruleName, resource, complianceType, at) => {
    const r = rule(ruleName);
    const key = resourceKey(resource);
    r.actual.set(key, { resource: { ...resource }, state: { complianceType } });
    r.recorded.set(key, {
      ruleName,
      ...resource,
      complianceType,
      orderingTimestamp: at,
      resultRecordedTime: at,
      configRuleInvokedTime: at,
    });
  };

  const StartConfigRulesEvaluation: Operation = (input) => {
    const names = stringList(input, 'ConfigRuleNames') ?? [];
    if (names.length === 0 || names.length > 25) {
      throw validation(
        "1 validation error detected: Value at 'configRuleNames' failed to satisfy constraint: Member must have length between 1 and 25",
      );
    }
    names.forEach(rule);
    const delay = opts.evaluationDelayMs ?? 0;
    if (delay > 0) clock.after(delay, () => evaluate(names));
    else evaluate(names);
    return {};
  };

  const GetComplianceDetailsByResource: Operation = (input) => {
    const resource = {
      resourceType: requiredString(input, 'ResourceType'),
      resourceId: requiredString(input, 'ResourceId'),
    };
    const types = readComplianceTypes(input);
    const key = resourceKey(resource);
    const found = [...rules.values()]
      .map((r) => r.recorded.get(key))
      .filter((e): e is ConfigEvaluation => e !== undefined && (!types || types.includes(e.complianceType)));
    return paginate(found, input, 100);
  };

  const GetComplianceDetailsByConfigRule: Operation = (input) => {
    const r = rule(requiredString(input, 'ConfigRuleName'));
    const types = readComplianceTypes(input);
    const limit = optionalNumber(input, 'Limit') || 10;
    if (limit < 0 || limit > 100) throw validation('Limit must be between 0 and 100.');
    const found = [...r.recorded.values()].filter((e) => !types || types.includes(e.complianceType));
    return paginate(found, input, limit);
  };

  const DescribeConfigRules: Operation = (input) => {
    const names = stringList(input, 'ConfigRuleNames');
    const selected = names && names.length > 0 ? names.map(rule) : [...rules.values()];
    return {
      ConfigRules: selected.map((r) => ({
        ConfigRuleName: r.name,
        ConfigRuleArn: r.arn,
        ConfigRuleId: r.id,
        ConfigRuleState: 'ACTIVE',
        Source: {
          Owner: r.sourceIdentifier ? 'AWS' : 'CUSTOM_LAMBDA',
          SourceIdentifier: r.sourceIdentifier ?? r.name,
        },
      })),
    };
  };

  for (const name of opts.rules ?? []) putRule(name);

  return {
    name: 'config',
    protocol: 'json1.1',
    targetPrefix: 'StarlingDoveService',
    operations: {
      StartConfigRulesEvaluation,
      GetComplianceDetailsByResource,
      GetComplianceDetailsByConfigRule,
      DescribeConfigRules,
    },
    putRule,
    rules: () =>
      [...rules.values()].map(({ name, arn, id, sourceIdentifier }) => ({
        name,
        arn,
        id,
        ...(sourceIdentifier ? { sourceIdentifier } : {}),
      })),
    setCompliance,
    setResourceCompliance,
    recordEarlier,
    evaluate,
    evaluation: (ruleName, resource) => rules.get(ruleName)?.recorded.get(resourceKey(resource)),
    evaluations: () => [...rules.values()].flatMap((r) => [...r.recorded.values()]),
  };
}

/** The EventBridge envelope AWS Config puts around a `Config Rules Compliance Change` detail. */
export function configChangeEnvelope(
  detail: Record<string, unknown>,
  at: { id: string; account: string; region: string; now: Date },
): BusEvent {
  return {
    version: '0',
    id: at.id,
    'detail-type': 'Config Rules Compliance Change',
    source: 'aws.config',
    account: at.account,
    time: isoSeconds(at.now),
    region: at.region,
    resources: [],
    detail,
  };
}
