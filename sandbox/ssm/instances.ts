import { AwsError, validation } from '../errors.ts';
import type { Operation } from '../types.ts';
import type { SsmContext } from './util.ts';
import {
  INSTANCE_ID_RE,
  Pager,
  checkMaxResults,
  epoch,
  fingerprint,
  optArray,
  optFilters,
  optNumber,
  optString,
} from './util.ts';

export type PingStatus = 'Online' | 'ConnectionLost' | 'Inactive';
export type Ec2State = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
export type PatchCompliance = 'COMPLIANT' | 'NON_COMPLIANT';

export interface PatchState {
  compliance: PatchCompliance;
  baselineId: string;
  installedCount: number;
  missingCount: number;
  failedCount: number;
  installedPendingRebootCount: number;
  operation?: 'Scan' | 'Install';
  operationStartTime?: Date;
  operationEndTime?: Date;
}

export interface ManagedInstance {
  InstanceId: string;
  PingStatus: PingStatus;
  /** Last ping recorded; while Online the agent keeps pinging every 5 minutes (computed on read). */
  LastPingDateTime: Date;
  AgentVersion: string;
  IsLatestVersion: boolean;
  PlatformType: 'Linux' | 'Windows' | 'MacOS';
  PlatformName: string;
  PlatformVersion: string;
  ResourceType: 'EC2Instance' | 'ManagedInstance';
  IPAddress: string;
  ComputerName: string;
  RegistrationDate?: Date;
  IamRole?: string;
  ActivationId?: string;
  AssociationStatus?: string;
  tags: Record<string, string>;
  /** EC2 lifecycle; stopped/terminated instances are not listed and can't receive commands. */
  ec2State: Ec2State;
  patch: PatchState;
}

export type InstanceInit = Partial<Omit<ManagedInstance, 'patch'>> & {
  InstanceId: string;
  patch?: Partial<PatchState>;
};

export const HEALTH_PING_MS = 5 * 60_000;
const LISTED_STATES: Ec2State[] = ['pending', 'running', 'stopping', 'shutting-down'];

const FILTER_KEYS = [
  'ActivationIds',
  'AgentVersion',
  'AssociationStatus',
  'IamRole',
  'InstanceIds',
  'PingStatus',
  'PlatformTypes',
  'ResourceType',
  'SourceIds',
  'SourceTypes',
];
const LEGACY_KEYS = [
  'InstanceIds',
  'AgentVersion',
  'PingStatus',
  'PlatformTypes',
  'ActivationIds',
  'IamRole',
  'ResourceType',
  'AssociationStatus',
];

export class InstanceRegistry {
  private readonly instances = new Map<string, ManagedInstance>();
  private readonly pager: Pager;
  private readonly pingListeners: ((inst: ManagedInstance) => void)[] = [];
  private readonly patchListeners: ((inst: ManagedInstance, previous: PatchCompliance) => void)[] = [];

  constructor(private readonly ctx: SsmContext) {
    this.pager = new Pager(ctx.uuid);
  }

  add(init: InstanceInit): ManagedInstance {
    const id = init.InstanceId;
    if (!INSTANCE_ID_RE.test(id)) throw new Error(`sandbox: bad instance id ${id}`);
    const n = this.instances.size + 1;
    const octet3 = Math.floor(n / 250) % 250;
    const octet4 = (n % 250) + 2;
    const ip = init.IPAddress ?? `10.0.${octet3}.${octet4}`;
    const { patch, ...rest } = init;
    const inst: ManagedInstance = {
      PingStatus: 'Online',
      LastPingDateTime: this.ctx.clock.now(),
      AgentVersion: '3.3.1611.0',
      IsLatestVersion: false,
      PlatformType: 'Linux',
      PlatformName: 'Amazon Linux',
      PlatformVersion: '2023',
      ResourceType: id.startsWith('mi-') ? 'ManagedInstance' : 'EC2Instance',
      IPAddress: ip,
      ComputerName: `ip-${ip.replaceAll('.', '-')}.${this.ctx.region === 'us-east-1' ? 'ec2.internal' : `${this.ctx.region}.compute.internal`}`,
      RegistrationDate: id.startsWith('mi-') ? this.ctx.clock.now() : undefined,
      tags: {},
      ec2State: 'running',
      ...rest,
      patch: {
        compliance: 'COMPLIANT',
        baselineId: 'pb-0c10e65780a1b2c3d',
        installedCount: 120,
        missingCount: 0,
        failedCount: 0,
        installedPendingRebootCount: 0,
        ...patch,
      },
    };
    this.instances.set(id, inst);
    return inst;
  }

  get(id: string): ManagedInstance | undefined {
    return this.instances.get(id);
  }

  all(): ManagedInstance[] {
    return [...this.instances.values()];
  }

  /** Listed by DescribeInstanceInformation and reachable by Run Command (not stopped/terminated). */
  isManaged(inst: ManagedInstance): boolean {
    return LISTED_STATES.includes(inst.ec2State);
  }

  lastPing(inst: ManagedInstance): Date {
    if (inst.PingStatus !== 'Online') return inst.LastPingDateTime;
    const now = this.ctx.clock.now().getTime();
    const base = inst.LastPingDateTime.getTime();
    if (now <= base) return inst.LastPingDateTime;
    return new Date(now - ((now - base) % HEALTH_PING_MS));
  }

  setPingStatus(id: string, status: PingStatus): void {
    const inst = this.must(id);
    if (inst.PingStatus === status) return;
    // Freeze the last ping at the moment the agent went quiet; a returning agent pings now.
    inst.LastPingDateTime = status === 'Online' ? this.ctx.clock.now() : this.lastPing(inst);
    inst.PingStatus = status;
    for (const l of this.pingListeners) l(inst);
  }

  setEc2State(id: string, state: Ec2State): void {
    const inst = this.must(id);
    inst.ec2State = state;
    for (const l of this.pingListeners) l(inst);
  }

  setTags(id: string, tags: Record<string, string>): void {
    this.must(id).tags = { ...tags };
  }

  /** Update the patch state; emits `Configuration Compliance State Change` when compliance flips. */
  setPatchState(id: string, patch: Partial<PatchState>): void {
    const inst = this.must(id);
    const before = inst.patch.compliance;
    inst.patch = { ...inst.patch, ...patch };
    if (inst.patch.compliance !== before) {
      const c = inst.patch.compliance;
      this.ctx.emit(
        'Configuration Compliance State Change',
        [`arn:aws:ssm:${this.ctx.region}:${this.ctx.account}:managed-instance/${id}`],
        {
          'resource-type': 'managed-instance',
          'resource-id': id,
          'compliance-status': c === 'COMPLIANT' ? 'compliant' : 'non_compliant',
          'compliance-type': 'Patch',
          'patch-baseline-id': inst.patch.baselineId,
          severity: c === 'COMPLIANT' ? 'unspecified' : 'critical',
        },
      );
      for (const l of this.patchListeners) l(inst, before);
    }
  }

  /** Called when an instance's PingStatus or EC2 state changes (Run Command resumes delivery). */
  onPingChange(fn: (inst: ManagedInstance) => void): void {
    this.pingListeners.push(fn);
  }

  onPatchComplianceChange(fn: (inst: ManagedInstance, previous: PatchCompliance) => void): void {
    this.patchListeners.push(fn);
  }

  /** Instances matching a Run Command / Automation target (`InstanceIds`, `tag:<k>`, `tag-key`). */
  resolveTarget(key: string, values: string[]): ManagedInstance[] {
    const managed = this.all().filter((i) => this.isManaged(i));
    if (key === 'InstanceIds') return managed.filter((i) => values.includes(i.InstanceId));
    if (key === 'tag-key') return managed.filter((i) => values.some((k) => k in i.tags));
    if (key.startsWith('tag:')) {
      const k = key.slice(4);
      return managed.filter((i) => i.tags[k] !== undefined && values.includes(i.tags[k] ?? ''));
    }
    throw validation(`Target key ${key} isn't supported by the sandbox.`);
  }

  private must(id: string): ManagedInstance {
    const inst = this.instances.get(id);
    if (!inst) throw new Error(`sandbox: unknown instance ${id}`);
    return inst;
  }

  private describe(inst: ManagedInstance): Record<string, unknown> {
    return {
      InstanceId: inst.InstanceId,
      PingStatus: inst.PingStatus,
      LastPingDateTime: epoch(this.lastPing(inst)),
      AgentVersion: inst.AgentVersion,
      IsLatestVersion: inst.IsLatestVersion,
      PlatformType: inst.PlatformType,
      PlatformName: inst.PlatformName,
      PlatformVersion: inst.PlatformVersion,
      ActivationId: inst.ActivationId,
      IamRole: inst.IamRole,
      RegistrationDate: epoch(inst.RegistrationDate),
      ResourceType: inst.ResourceType,
      IPAddress: inst.IPAddress,
      ComputerName: inst.ComputerName,
      AssociationStatus: inst.AssociationStatus,
      SourceId: inst.InstanceId,
      SourceType: inst.ResourceType === 'EC2Instance' ? 'AWS::EC2::Instance' : 'AWS::SSM::ManagedInstance',
    };
  }

  private matches(inst: ManagedInstance, key: string, values: string[]): boolean {
    switch (key) {
      case 'InstanceIds':
      case 'SourceIds':
        return values.includes(inst.InstanceId);
      case 'PingStatus':
        return values.includes(inst.PingStatus);
      case 'PlatformTypes':
        return values.includes(inst.PlatformType);
      case 'ResourceType':
        return values.includes(inst.ResourceType);
      case 'AgentVersion':
        return values.includes(inst.AgentVersion);
      case 'AssociationStatus':
        return values.includes(inst.AssociationStatus ?? '');
      case 'IamRole':
        return values.includes(inst.IamRole ?? '');
      case 'ActivationIds':
        return values.includes(inst.ActivationId ?? '');
      case 'SourceTypes':
        return values.includes(
          inst.ResourceType === 'EC2Instance' ? 'AWS::EC2::Instance' : 'AWS::SSM::ManagedInstance',
        );
      case 'tag-key':
        return values.some((k) => k in inst.tags);
      default:
        if (key.startsWith('tag:')) {
          const v = inst.tags[key.slice(4)];
          return v !== undefined && values.includes(v);
        }
        return false;
    }
  }

  operations(): Record<string, Operation> {
    return {
      DescribeInstanceInformation: (input) => {
        const filters = optFilters(input, 'Filters');
        const legacyRaw = optArray(input, 'InstanceInformationFilterList');
        if (filters && legacyRaw)
          throw validation(
            'Attempting to use InstanceInformationFilterList and Filters leads to an exception. Use only one.',
          );
        const legacy = legacyRaw
          ? optFilters(input, 'InstanceInformationFilterList', 'key', 'valueSet')
          : undefined;
        const maxResults = checkMaxResults(optNumber(input, 'MaxResults'), 5, 50, 10);
        const nextToken = optString(input, 'NextToken');
        const all = [...(filters ?? []), ...(legacy ?? [])];
        for (const f of filters ?? []) {
          if (!FILTER_KEYS.includes(f.key) && f.key !== 'tag-key' && !/^tag:.{1,128}$/.test(f.key))
            throw new AwsError('InvalidFilterKey', `The filter key ${f.key} isn't valid.`);
        }
        for (const f of legacy ?? []) {
          if (!LEGACY_KEYS.includes(f.key))
            throw new AwsError('InvalidFilterKey', `The filter key ${f.key} isn't valid.`);
        }
        for (const f of all) {
          if (f.values.length < 1 || f.values.length > 100)
            throw new AwsError(
              'InvalidInstanceInformationFilterValue',
              `The filter ${f.key} needs 1 to 100 values.`,
            );
          if (f.key === 'InstanceIds') {
            const bad = f.values.find((v) => !INSTANCE_ID_RE.test(v));
            if (bad) throw new AwsError('InvalidInstanceId', `Invalid instance id ${bad}`);
          }
        }
        const isTag = (k: string): boolean => k === 'tag-key' || k.startsWith('tag:');
        if (all.some((f) => isTag(f.key)) && all.some((f) => !isTag(f.key)))
          throw new AwsError(
            'InvalidInstanceInformationFilterValue',
            "Tag filters can't be combined with other filter types.",
          );
        const list = this.all()
          .filter((i) => this.isManaged(i))
          .filter((i) => all.every((f) => this.matches(i, f.key, f.values)))
          .sort((a, b) => (a.InstanceId < b.InstanceId ? -1 : a.InstanceId > b.InstanceId ? 1 : 0));
        const scope = `DescribeInstanceInformation:${fingerprint(all)}:${maxResults}`;
        const page = this.pager.page(list, scope, maxResults, nextToken);
        return { InstanceInformationList: page.items.map((i) => this.describe(i)), NextToken: page.next };
      },
      DescribeInstancePatchStates: (input) => {
        const ids = (optArray(input, 'InstanceIds') ?? []).filter((x): x is string => typeof x === 'string');
        const maxResults = checkMaxResults(optNumber(input, 'MaxResults'), 10, 100, 50);
        const list = ids
          .map((id) => this.instances.get(id))
          .filter((i): i is ManagedInstance => i !== undefined)
          .map((i) => ({
            InstanceId: i.InstanceId,
            PatchGroup: i.tags['Patch Group'] ?? '',
            BaselineId: i.patch.baselineId,
            InstalledCount: i.patch.installedCount,
            InstalledPendingRebootCount: i.patch.installedPendingRebootCount,
            MissingCount: i.patch.missingCount,
            FailedCount: i.patch.failedCount,
            NotApplicableCount: 0,
            OperationStartTime: epoch(i.patch.operationStartTime ?? i.LastPingDateTime),
            OperationEndTime: epoch(i.patch.operationEndTime ?? i.LastPingDateTime),
            Operation: i.patch.operation ?? 'Scan',
          }));
        const page = this.pager.page(
          list,
          `DescribeInstancePatchStates:${fingerprint(ids)}`,
          maxResults,
          optString(input, 'NextToken'),
        );
        return { InstancePatchStates: page.items, NextToken: page.next };
      },
    };
  }
}
