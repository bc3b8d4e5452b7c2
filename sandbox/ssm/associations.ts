/**
 * State Manager associations in the sandbox: CreateAssociation, DescribeAssociation,
 * DescribeInstanceAssociationsStatus and StartAssociationsOnce, with per-instance status and
 * compliance. A run (scheduled by the scenario with `run`, or asked for with StartAssociationsOnce)
 * takes `runMs` and ends Success unless an outcome rule says Failed; each instance's result emits the
 * two events AWS emits (AWS-FACTS §1.5, §1.6): `EC2 State Manager Instance Association State Change`
 * and, when the instance's association compliance flips, `Configuration Compliance State Change`
 * (compliance-type Association, with last-runtime).
 */
import { parse as parseYaml } from 'yaml';
import { AwsError, validation } from '../errors.ts';
import type { Operation } from '../types.ts';
import type { DocumentStore } from './documents.ts';
import type { InstanceRegistry } from './instances.ts';
import type { SsmContext } from './util.ts';
import {
  INSTANCE_ID_RE,
  Pager,
  UUID_RE,
  checkMaxResults,
  epoch,
  isRecord,
  isoSeconds,
  optArray,
  optNumber,
  optParamMap,
  optString,
  optStringList,
  reqString,
} from './util.ts';

export type AssociationRunStatus = 'Pending' | 'Success' | 'Failed';

export interface InstanceAssociationState {
  status: AssociationRunStatus;
  detailedStatus: string;
  executionDate?: Date;
  lastSuccessfulExecutionDate?: Date;
  errorCode: string;
  executionSummary: string;
}

export interface Association {
  AssociationId: string;
  Name: string;
  AssociationName?: string;
  AssociationVersion: string;
  DocumentVersion: string;
  Parameters: Record<string, string[]>;
  ScheduleExpression?: string;
  instanceIds: string[];
  createdDate: Date;
  lastUpdateDate: Date;
  /** Per target instance. */
  instances: Map<string, InstanceAssociationState>;
  /** Runs asked for with StartAssociationsOnce. */
  startedOnce: number;
}

/** How the next runs of an association (on an instance, or all) end; newest rule first; default Success. */
export interface AssociationOutcomeRule {
  associationId?: string;
  instanceId?: string;
  outcome: 'Success' | 'Failed';
  /** Apply to this many instance runs, then drop the rule. */
  times?: number;
  errorCode?: string;
}

const FAILED_SUMMARY = '1 out of 1 plugin processed, 0 success, 1 failed';

export class Associations {
  private readonly byId = new Map<string, Association>();
  private readonly rules: AssociationOutcomeRule[] = [];
  private readonly pager: Pager;
  /** Simulated time a run takes on an instance. */
  runMs = 30_000;
  /** Runs started and not yet ended (the account's idle() waits for them). */
  running = 0;

  constructor(
    private readonly ctx: SsmContext,
    private readonly docs: DocumentStore,
    private readonly instances: InstanceRegistry,
  ) {
    this.pager = new Pager(ctx.uuid);
  }

  get(id: string): Association | undefined {
    return this.byId.get(id);
  }

  list(): Association[] {
    return [...this.byId.values()];
  }

  setOutcome(rule: AssociationOutcomeRule): void {
    this.rules.unshift({ ...rule });
  }

  create(args: {
    Name: string;
    InstanceIds: string[];
    AssociationName?: string;
    Parameters?: Record<string, string[]>;
    ScheduleExpression?: string;
  }): Association {
    const doc = this.docs.get(args.Name);
    if (!doc) throw new AwsError('InvalidDocument', `Document ${args.Name} does not exist.`);
    for (const id of args.InstanceIds)
      if (!INSTANCE_ID_RE.test(id)) throw new AwsError('InvalidInstanceId', `Instance ${id} is not valid.`);
    const now = this.ctx.clock.now();
    const a: Association = {
      AssociationId: this.ctx.uuid(),
      Name: args.Name,
      ...(args.AssociationName ? { AssociationName: args.AssociationName } : {}),
      AssociationVersion: '1',
      DocumentVersion: '$DEFAULT',
      Parameters: args.Parameters ?? {},
      ...(args.ScheduleExpression ? { ScheduleExpression: args.ScheduleExpression } : {}),
      instanceIds: [...args.InstanceIds],
      createdDate: now,
      lastUpdateDate: now,
      instances: new Map(
        args.InstanceIds.map((id) => [
          id,
          { status: 'Pending', detailedStatus: 'Pending', errorCode: '', executionSummary: '' },
        ]),
      ),
      startedOnce: 0,
    };
    this.byId.set(a.AssociationId, a);
    return a;
  }

  /** Runs the association on its targets now (or on one instance): results after `runMs`. */
  run(associationId: string, instanceId?: string): void {
    const a = this.byId.get(associationId);
    if (!a) throw new AwsError('AssociationDoesNotExist', `Association ${associationId} does not exist.`);
    const targets = instanceId ? [instanceId] : a.instanceIds;
    const started = this.ctx.clock.now();
    this.running += 1;
    this.ctx.clock.after(this.runMs, () => {
      this.running -= 1;
      for (const id of targets) this.finish(a, id, started);
    });
  }

  private outcomeFor(a: Association, instanceId: string): AssociationOutcomeRule | undefined {
    const idx = this.rules.findIndex(
      (r) =>
        (r.associationId === undefined || r.associationId === a.AssociationId) &&
        (r.instanceId === undefined || r.instanceId === instanceId),
    );
    if (idx < 0) return undefined;
    const rule = this.rules[idx]!;
    if (rule.times !== undefined) {
      rule.times -= 1;
      if (rule.times <= 0) this.rules.splice(idx, 1);
    }
    return rule;
  }

  private finish(a: Association, instanceId: string, started: Date): void {
    const inst = this.instances.get(instanceId);
    // An instance that is gone or whose agent cannot be reached does not run it.
    if (!inst || inst.PingStatus !== 'Online') return;
    const rule = this.outcomeFor(a, instanceId);
    const failed = rule?.outcome === 'Failed';
    const before = a.instances.get(instanceId);
    const st: InstanceAssociationState = {
      status: failed ? 'Failed' : 'Success',
      detailedStatus: failed ? 'Failed' : 'Success',
      executionDate: started,
      ...(failed
        ? before?.lastSuccessfulExecutionDate
          ? { lastSuccessfulExecutionDate: before.lastSuccessfulExecutionDate }
          : {}
        : { lastSuccessfulExecutionDate: started }),
      errorCode: failed ? (rule?.errorCode ?? '1') : '',
      executionSummary: failed ? FAILED_SUMMARY : '1 out of 1 plugin processed, 1 success, 0 failed',
    };
    a.instances.set(instanceId, st);
    inst.AssociationStatus = st.status;
    const iso = (d: Date | undefined) => (d ? isoSeconds(d) : '');
    this.ctx.emit(
      'EC2 State Manager Instance Association State Change',
      [
        `arn:aws:ec2:${this.ctx.region}:${this.ctx.account}:instance/${instanceId}`,
        `arn:aws:ssm:${this.ctx.region}:${a.Name.startsWith('AWS-') ? '' : this.ctx.account}:document/${a.Name}`,
      ],
      {
        'association-id': a.AssociationId,
        'instance-id': instanceId,
        'document-name': a.Name,
        'document-version': '1',
        targets: JSON.stringify([{ key: 'InstanceIds', values: a.instanceIds }]),
        'creation-date': iso(a.createdDate),
        'last-successful-execution-date': iso(st.lastSuccessfulExecutionDate),
        'last-execution-date': iso(st.executionDate),
        status: st.status,
        'detailed-status': st.detailedStatus,
        'error-code': st.errorCode,
        'execution-summary': st.executionSummary,
        'output-url': '',
        'instance-association-cwe-version': '1',
      },
    );
    const was = this.compliance(instanceId, a.AssociationId, before);
    const now = this.compliance(instanceId);
    if (was !== now)
      this.ctx.emit(
        'Configuration Compliance State Change',
        [`arn:aws:ssm:${this.ctx.region}:${this.ctx.account}:managed-instance/${instanceId}`],
        {
          'last-runtime': iso(started),
          'compliance-status': now === 'COMPLIANT' ? 'compliant' : 'non_compliant',
          'resource-type': 'managed-instance',
          'resource-id': instanceId,
          'compliance-type': 'Association',
        },
      );
  }

  /** The instance's Association compliance: NON_COMPLIANT if any association last failed on it. */
  compliance(
    instanceId: string,
    replace?: string,
    withState?: InstanceAssociationState,
  ): 'COMPLIANT' | 'NON_COMPLIANT' {
    for (const a of this.byId.values()) {
      const st = a.AssociationId === replace ? withState : a.instances.get(instanceId);
      if (st?.status === 'Failed') return 'NON_COMPLIANT';
    }
    return 'COMPLIANT';
  }

  /** The associations targeting an instance. */
  onInstance(instanceId: string): Association[] {
    return this.list().filter((a) => a.instances.has(instanceId));
  }

  private describe(a: Association): Record<string, unknown> {
    const counts: Record<string, number> = {};
    for (const st of a.instances.values()) counts[st.status] = (counts[st.status] ?? 0) + 1;
    const worst = counts['Failed'] ? 'Failed' : counts['Pending'] ? 'Pending' : 'Success';
    const last = [...a.instances.values()]
      .map((s) => s.executionDate?.getTime() ?? 0)
      .reduce((x, y) => Math.max(x, y), 0);
    return {
      Name: a.Name,
      AssociationId: a.AssociationId,
      ...(a.AssociationName ? { AssociationName: a.AssociationName } : {}),
      AssociationVersion: a.AssociationVersion,
      DocumentVersion: a.DocumentVersion,
      Date: epoch(a.createdDate),
      LastUpdateAssociationDate: epoch(a.lastUpdateDate),
      ...(last ? { LastExecutionDate: epoch(new Date(last)) } : {}),
      Status: { Date: epoch(a.lastUpdateDate), Name: worst === 'Failed' ? 'Failed' : 'Success', Message: '' },
      Overview: { Status: worst, DetailedStatus: worst, AssociationStatusAggregatedCount: counts },
      Parameters: a.Parameters,
      Targets: [{ Key: 'InstanceIds', Values: a.instanceIds }],
      ...(a.ScheduleExpression ? { ScheduleExpression: a.ScheduleExpression } : {}),
      ApplyOnlyAtCronInterval: false,
    };
  }

  operations(): Record<string, Operation> {
    return {
      CreateAssociation: (input) => {
        const targets = optArray(input, 'Targets') ?? [];
        const ids = [...(optStringList(input, 'InstanceId') ?? [])];
        const single = optString(input, 'InstanceId');
        if (single) ids.push(single);
        for (const t of targets) {
          if (!isRecord(t) || String(t['Key']).toLowerCase() !== 'instanceids')
            throw validation('Only Targets with Key InstanceIds are supported by the sandbox.');
          ids.push(...(Array.isArray(t['Values']) ? t['Values'].map(String) : []));
        }
        if (ids.length === 0) throw validation('Targets or InstanceId must be given.');
        const a = this.create({
          Name: reqString(input, 'Name'),
          InstanceIds: ids,
          ...(optString(input, 'AssociationName')
            ? { AssociationName: optString(input, 'AssociationName')! }
            : {}),
          ...(optParamMap(input, 'Parameters') ? { Parameters: optParamMap(input, 'Parameters')! } : {}),
          ...(optString(input, 'ScheduleExpression')
            ? { ScheduleExpression: optString(input, 'ScheduleExpression')! }
            : {}),
        });
        return { AssociationDescription: this.describe(a) };
      },
      DescribeAssociation: (input) => {
        const id = reqString(input, 'AssociationId');
        const a = this.byId.get(id);
        if (!a) throw new AwsError('AssociationDoesNotExist', `Association ${id} does not exist.`);
        return { AssociationDescription: this.describe(a) };
      },
      DescribeInstanceAssociationsStatus: (input) => {
        const id = reqString(input, 'InstanceId');
        if (!INSTANCE_ID_RE.test(id)) throw new AwsError('InvalidInstanceId', `Instance ${id} is not valid.`);
        const max = checkMaxResults(optNumber(input, 'MaxResults'), 1, 50, 50);
        const infos = this.onInstance(id).map((a) => {
          const st = a.instances.get(id)!;
          return {
            AssociationId: a.AssociationId,
            Name: a.Name,
            DocumentVersion: '1',
            AssociationVersion: a.AssociationVersion,
            InstanceId: id,
            ...(st.executionDate ? { ExecutionDate: epoch(st.executionDate) } : {}),
            Status: st.status,
            DetailedStatus: st.detailedStatus,
            ExecutionSummary: st.executionSummary,
            ErrorCode: st.errorCode,
            ...(a.AssociationName ? { AssociationName: a.AssociationName } : {}),
          };
        });
        const page = this.pager.page(
          infos,
          `DescribeInstanceAssociationsStatus:${id}`,
          max,
          optString(input, 'NextToken'),
        );
        return { InstanceAssociationStatusInfos: page.items, ...(page.next ? { NextToken: page.next } : {}) };
      },
      StartAssociationsOnce: (input) => {
        const ids = optStringList(input, 'AssociationIds') ?? [];
        if (ids.length < 1 || ids.length > 10)
          throw validation(
            "1 validation error detected: Value at 'associationIds' failed to satisfy constraint: Member must have length between 1 and 10",
          );
        for (const id of ids) {
          if (!UUID_RE.test(id) || !this.byId.has(id))
            throw new AwsError('InvalidAssociation', `Association ${id} does not exist.`);
        }
        for (const id of ids) {
          this.byId.get(id)!.startedOnce += 1;
          this.run(id);
        }
        return {};
      },
    };
  }
}

/**
 * What an Automation execution's `aws:executeAwsApi` steps calling ssm StartAssociationsOnce do, once it
 * succeeded: the named associations run once (the sandbox decides an execution's outcome up front and
 * runs no step, so this one step's effect is applied at its end). `{{ Param }}` resolves from the
 * execution's parameters.
 */
export function startAssociationsOnceSteps(content: string, parameters: Record<string, string[]>): string[] {
  let body: unknown;
  try {
    body = parseYaml(content);
  } catch {
    return [];
  }
  const steps = isRecord(body) && Array.isArray(body['mainSteps']) ? body['mainSteps'] : [];
  const ids: string[] = [];
  for (const s of steps) {
    if (!isRecord(s) || s['action'] !== 'aws:executeAwsApi' || !isRecord(s['inputs'])) continue;
    const inputs = s['inputs'];
    if (String(inputs['Service']).toLowerCase() !== 'ssm' || inputs['Api'] !== 'StartAssociationsOnce')
      continue;
    const raw = inputs['AssociationIds'];
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      if (typeof v !== 'string') continue;
      const m = /^\{\{\s*(\w+)\s*\}\}$/.exec(v);
      ids.push(...(m ? (parameters[m[1]!] ?? []) : [v]));
    }
  }
  return ids;
}
