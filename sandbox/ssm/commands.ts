import { AwsError, validation } from '../errors.ts';
import type { Operation } from '../types.ts';
import type { DocStep, DocumentStore } from './documents.ts';
import { MAX_DOCUMENT_BYTES, validateParameters } from './documents.ts';
import type { InstanceRegistry, ManagedInstance } from './instances.ts';
import type { SsmContext } from './util.ts';
import {
  INSTANCE_ID_RE,
  MAX_CONCURRENCY_RE,
  MAX_ERRORS_RE,
  Pager,
  checkMaxResults,
  epoch,
  fingerprint,
  isRecord,
  optArray,
  optBool,
  optNumber,
  optParamMap,
  optString,
  optStringList,
  reqString,
  resolveRate,
  parametersMatch,
  takeRule,
} from './util.ts';

/** What SSM returns for a command sent without notifications or CloudWatch output. */
const NO_NOTIFICATION = { NotificationArn: '', NotificationEvents: [], NotificationType: '' };
const NO_CLOUDWATCH_OUTPUT = { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false };
export type CommandStatus =
  'Pending' | 'InProgress' | 'Success' | 'Cancelled' | 'Failed' | 'TimedOut' | 'Cancelling';
export type InvocationStatus =
  'Pending' | 'InProgress' | 'Delayed' | 'Success' | 'Cancelled' | 'TimedOut' | 'Failed' | 'Cancelling';
const TERMINAL_INV: InvocationStatus[] = ['Success', 'Cancelled', 'TimedOut', 'Failed'];

export interface PluginResult {
  Name: string;
  Status: InvocationStatus;
  StatusDetails: string;
  ResponseCode: number;
  ResponseStartDateTime?: Date;
  ResponseFinishDateTime?: Date;
  Output: string;
  StandardError: string;
}

export interface CommandInvocation {
  CommandId: string;
  InstanceId: string;
  Status: InvocationStatus;
  StatusDetails: string;
  RequestedDateTime: Date;
  ExecutionStartDateTime?: Date;
  ExecutionEndDateTime?: Date;
  ResponseCode: number;
  plugins: PluginResult[];
  /** Sent to the agent (counts against MaxConcurrency) but maybe not yet picked up. */
  dispatched: boolean;
  /** Eventual consistency: invisible to Get/ListCommandInvocations before this time. */
  visibleAt: number;
}

export interface Command {
  CommandId: string;
  DocumentName: string;
  DocumentVersion: string;
  Comment: string;
  /** Parameters as resolved against the document (defaults filled in). */
  Parameters: Record<string, string[]>;
  InstanceIds: string[];
  Targets: { Key: string; Values: string[] }[];
  RequestedDateTime: Date;
  ExpiresAfter: Date;
  TimeoutSeconds: number;
  MaxConcurrency: string;
  MaxErrors: string;
  Status: CommandStatus;
  StatusDetails: string;
  invocations: CommandInvocation[];
  maxConcurrency: number;
  maxErrors: number;
  steps: DocStep[];
  cancelled: boolean;
  terminated: boolean;
  OutputS3BucketName: string;
  OutputS3KeyPrefix: string;
  ServiceRole: string;
  NotificationConfig?: unknown;
  CloudWatchOutputConfig?: unknown;
}

/** How matching invocations end; rules are checked newest first, the default is Success. */
export interface CommandOutcomeRule {
  document?: string;
  instanceId?: string | string[];
  parameterMatch?: Record<string, string | RegExp>;
  /** `TimedOut` = Execution Timed Out (counts toward MaxErrors). */
  outcome: 'Success' | 'Failed' | 'TimedOut';
  responseCode?: number;
  output?: string;
  error?: string;
  /** Plugin (step) that fails; default the last step that applies to the platform. */
  failedPlugin?: string;
  durationMs?: number;
  times?: number;
}

export interface CommandDurations {
  /** SendCommand → command InProgress and first dispatch. */
  dispatchMs: number;
  /** Dispatch → agent picks it up (InProgress), for an Online agent. */
  pickupMs: number;
  /** InProgress → terminal. */
  runMs: number;
  /** Invocations are invisible to GetCommandInvocation/ListCommandInvocations for this long. */
  consistencyMs: number;
}

export class Commands {
  private readonly commands = new Map<string, Command>();
  private readonly order: Command[] = [];
  private readonly rules: CommandOutcomeRule[] = [];
  private readonly timers = new Map<string, (() => void)[]>();
  private readonly pager: Pager;
  durations: CommandDurations = { dispatchMs: 500, pickupMs: 500, runMs: 5_000, consistencyMs: 2_000 };

  constructor(
    private readonly ctx: SsmContext,
    private readonly docs: DocumentStore,
    private readonly instances: InstanceRegistry,
  ) {
    this.pager = new Pager(ctx.uuid);
    // An agent that reconnects picks up what was sent to it while it was away.
    instances.onPingChange((inst) => {
      if (inst.PingStatus !== 'Online' || !instances.isManaged(inst)) return;
      for (const cmd of this.order) {
        for (const inv of cmd.invocations) {
          if (inv.InstanceId === inst.InstanceId && inv.dispatched && inv.Status === 'Pending')
            this.deliver(cmd, inv);
        }
      }
    });
  }

  setOutcome(rule: CommandOutcomeRule): void {
    this.rules.unshift({ ...rule });
  }

  clearOutcomes(): void {
    this.rules.length = 0;
  }

  get(id: string): Command | undefined {
    return this.commands.get(id);
  }

  list(): Command[] {
    return [...this.order];
  }

  // ---- SendCommand -------------------------------------------------------------------------------

  send(input: Record<string, unknown>): Command {
    const documentName = reqString(input, 'DocumentName');
    const ids = optStringList(input, 'InstanceIds') ?? [];
    if (ids.length > 50)
      throw validation(
        `1 validation error detected: Value '[${ids.join(', ')}]' at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50`,
      );
    for (const id of ids) {
      if (!INSTANCE_ID_RE.test(id))
        throw validation(
          `1 validation error detected: Value '[${ids.join(', ')}]' at 'instanceIds' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 20, Member must have length greater than or equal to 10, Member must satisfy regular expression pattern: (^i-(\\w{8}|\\w{17})$)|(^mi-\\w{17}$)]`,
        );
    }
    if (new Set(ids).size !== ids.length)
      throw new AwsError(
        'DuplicateInstanceId',
        "You can't specify a managed node ID in more than one association.",
      );
    const targets = (optArray(input, 'Targets') ?? []).map((t) => {
      if (!isRecord(t) || typeof t.Key !== 'string' || !Array.isArray(t.Values))
        throw validation('Each target needs Key and Values.');
      return { Key: t.Key, Values: t.Values.map(String) };
    });
    if (targets.length > 5)
      throw validation(
        `1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length less than or equal to 5`,
      );
    if (targets.some((t) => t.Values.length > 50))
      throw validation(
        `Value at 'targets.member.values' failed to satisfy constraint: Member must have length less than or equal to 50`,
      );
    if (ids.length === 0 && targets.length === 0)
      throw validation('You must specify either InstanceIds or Targets.');
    if (ids.length > 0 && targets.length > 0)
      throw validation("InstanceIds and Targets can't be specified together.");
    const timeoutSeconds = optNumber(input, 'TimeoutSeconds') ?? 3600;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 30 || timeoutSeconds > 2_592_000)
      throw validation(
        `1 validation error detected: Value '${timeoutSeconds}' at 'timeoutSeconds' failed to satisfy constraint: Member must have value ${timeoutSeconds < 30 ? 'greater than or equal to 30' : 'less than or equal to 2592000'}`,
      );
    const comment = optString(input, 'Comment') ?? '';
    if (comment.length > 100)
      throw validation(
        `Value at 'comment' failed to satisfy constraint: Member must have length less than or equal to 100`,
      );
    const maxConcurrency = optString(input, 'MaxConcurrency') ?? '50';
    if (!MAX_CONCURRENCY_RE.test(maxConcurrency))
      throw validation(
        `Value '${maxConcurrency}' at 'maxConcurrency' failed to satisfy constraint: Member must satisfy regular expression pattern: ${MAX_CONCURRENCY_RE.source}`,
      );
    const maxErrors = optString(input, 'MaxErrors') ?? '0';
    if (!MAX_ERRORS_RE.test(maxErrors))
      throw validation(
        `Value '${maxErrors}' at 'maxErrors' failed to satisfy constraint: Member must satisfy regular expression pattern: ${MAX_ERRORS_RE.source}`,
      );

    const doc = this.docs.get(documentName);
    if (!doc || doc.documentType !== 'Command')
      throw new AwsError(
        'InvalidDocument',
        `Document ${documentName} does not exist or isn't a Command document.`,
      );
    const versionSpec = optString(input, 'DocumentVersion');
    const v = this.docs.version(doc, versionSpec);
    if (!v)
      throw new AwsError('InvalidDocumentVersion', 'The document version is not valid or does not exist.');
    const given = optParamMap(input, 'Parameters');
    const resolved = validateParameters(v, given, 'InvalidParameters');
    if (Buffer.byteLength(v.content) + Buffer.byteLength(JSON.stringify(given ?? {})) > MAX_DOCUMENT_BYTES)
      throw new AwsError('MaxDocumentSizeExceeded', 'The size limit of a document is 64 KB.');

    let targetsResolved: ManagedInstance[];
    if (ids.length > 0) {
      targetsResolved = ids.map((id) => {
        const inst = this.instances.get(id);
        if (!inst || !this.instances.isManaged(inst))
          throw new AwsError(
            'InvalidInstanceId',
            `Instances [[${id}]] not in a valid state for account ${this.ctx.account}. The following scenarios can result in this error: the instance isn't running, SSM Agent isn't running or isn't registered with the endpoint, or you don't have permission to view the instance.`,
          );
        return inst;
      });
    } else {
      const seen = new Map<string, ManagedInstance>();
      const sets = targets.map((t) => this.instances.resolveTarget(t.Key, t.Values));
      // Multiple targets are ANDed (each narrows the set).
      for (const inst of sets[0] ?? [])
        if (sets.every((s) => s.includes(inst))) seen.set(inst.InstanceId, inst);
      targetsResolved = [...seen.values()];
    }

    const now = this.ctx.clock.now();
    const n = targetsResolved.length;
    const cmd: Command = {
      CommandId: this.ctx.uuid(),
      DocumentName: doc.name,
      DocumentVersion: v.version,
      Comment: comment,
      Parameters: resolved,
      InstanceIds: ids,
      Targets: targets,
      RequestedDateTime: now,
      ExpiresAfter: new Date(now.getTime() + timeoutSeconds * 1000),
      TimeoutSeconds: timeoutSeconds,
      MaxConcurrency: maxConcurrency,
      MaxErrors: maxErrors,
      Status: 'Pending',
      StatusDetails: 'Pending',
      maxConcurrency: resolveRate(maxConcurrency, n, 'concurrency'),
      maxErrors: resolveRate(maxErrors, n, 'errors'),
      steps: v.steps,
      cancelled: false,
      terminated: false,
      OutputS3BucketName: optString(input, 'OutputS3BucketName') ?? '',
      OutputS3KeyPrefix: optString(input, 'OutputS3KeyPrefix') ?? '',
      ServiceRole: optString(input, 'ServiceRoleArn') ?? '',
      NotificationConfig: input.NotificationConfig,
      CloudWatchOutputConfig: input.CloudWatchOutputConfig,
      invocations: targetsResolved.map((inst) => ({
        CommandId: '',
        InstanceId: inst.InstanceId,
        Status: 'Pending',
        StatusDetails: 'Pending',
        RequestedDateTime: now,
        ResponseCode: -1,
        plugins: [],
        dispatched: false,
        visibleAt: now.getTime() + this.durations.consistencyMs,
      })),
    };
    for (const inv of cmd.invocations) {
      inv.CommandId = cmd.CommandId;
      inv.plugins = this.pluginsFor(cmd);
    }
    this.commands.set(cmd.CommandId, cmd);
    this.order.push(cmd);
    this.emitCommand(cmd);
    for (const inv of cmd.invocations) this.emitInvocation(cmd, inv);

    if (n === 0) {
      cmd.Status = 'Failed';
      cmd.StatusDetails = 'No Instances In Tag';
      this.later(cmd, this.durations.dispatchMs, () => this.emitCommand(cmd));
      return cmd;
    }
    this.later(cmd, timeoutSeconds * 1000, () => this.deliveryTimeout(cmd));
    this.later(cmd, this.durations.dispatchMs, () => {
      if (this.isDone(cmd)) return;
      cmd.Status = 'InProgress';
      cmd.StatusDetails = 'In Progress';
      this.emitCommand(cmd);
      this.pump(cmd);
    });
    return cmd;
  }

  private pluginsFor(cmd: Command): PluginResult[] {
    return cmd.steps.map((s) => ({
      Name: s.name,
      Status: 'Pending',
      StatusDetails: 'Pending',
      ResponseCode: -1,
      Output: '',
      StandardError: '',
    }));
  }

  // ---- the state machine -------------------------------------------------------------------------

  private isDone(cmd: Command): boolean {
    return ['Success', 'Failed', 'TimedOut', 'Cancelled'].includes(cmd.Status);
  }

  private errorCount(cmd: Command): number {
    return cmd.invocations.filter(
      (i) => i.StatusDetails === 'Failed' || i.StatusDetails === 'Execution Timed Out',
    ).length;
  }

  /** Dispatch invocations while fewer than MaxConcurrency are in flight. */
  private pump(cmd: Command): void {
    if (this.isDone(cmd) || cmd.terminated || cmd.cancelled) return;
    let inFlight = cmd.invocations.filter((i) => i.dispatched && !TERMINAL_INV.includes(i.Status)).length;
    for (const inv of cmd.invocations) {
      if (inFlight >= cmd.maxConcurrency) break;
      if (inv.dispatched || inv.Status !== 'Pending') continue;
      inv.dispatched = true;
      inFlight++;
      this.deliver(cmd, inv);
    }
  }

  private deliver(cmd: Command, inv: CommandInvocation): void {
    const inst = this.instances.get(inv.InstanceId);
    if (!inst || inst.PingStatus !== 'Online' || !this.instances.isManaged(inst)) return; // waits; may Delivery Time Out
    this.later(cmd, this.durations.pickupMs, () => {
      const now = this.instances.get(inv.InstanceId);
      if (inv.Status !== 'Pending' || !now || now.PingStatus !== 'Online' || !this.instances.isManaged(now))
        return;
      this.startInvocation(cmd, inv);
    });
  }

  private startInvocation(cmd: Command, inv: CommandInvocation): void {
    const inst = this.instances.get(inv.InstanceId);
    const rule = this.pickRule(cmd, inv);
    const now = this.ctx.clock.now();
    inv.Status = 'InProgress';
    inv.StatusDetails = 'In Progress';
    inv.ExecutionStartDateTime = now;
    for (const p of inv.plugins) {
      p.Status = 'InProgress';
      p.StatusDetails = 'In Progress';
      p.ResponseStartDateTime = now;
    }
    this.emitInvocation(cmd, inv);
    const outcome = rule?.outcome ?? 'Success';
    const applicable = cmd.steps
      .filter((s) => !s.platformType || s.platformType === inst?.PlatformType)
      .map((s) => s.name);
    const failing =
      outcome === 'Success'
        ? undefined
        : (rule?.failedPlugin ?? applicable[applicable.length - 1] ?? cmd.steps[0]?.name);
    this.later(cmd, rule?.durationMs ?? this.durations.runMs, () => {
      if (inv.Status !== 'InProgress') return;
      const end = this.ctx.clock.now();
      const code = outcome === 'Success' ? 0 : (rule?.responseCode ?? (outcome === 'TimedOut' ? 124 : 1));
      let afterFailure = false;
      for (const p of inv.plugins) {
        p.ResponseFinishDateTime = end;
        if (!applicable.includes(p.Name)) {
          p.Status = 'Success';
          p.StatusDetails = 'Success';
          p.ResponseCode = 0;
          p.Output = `Step execution skipped due to unsatisfied preconditions: '"StringEquals": [platformType, ${cmd.steps.find((s) => s.name === p.Name)?.platformType ?? ''}]'. Step name: ${p.Name}`;
        } else if (afterFailure) {
          p.Status = 'Cancelled';
          p.StatusDetails = 'Cancelled';
        } else if (p.Name === failing) {
          p.Status = outcome === 'TimedOut' ? 'TimedOut' : 'Failed';
          p.StatusDetails = outcome === 'TimedOut' ? 'Execution Timed Out' : 'Failed';
          p.ResponseCode = code;
          p.Output = rule?.output ?? '';
          p.StandardError =
            rule?.error ??
            (outcome === 'TimedOut'
              ? 'Command execution timed out.'
              : `failed to run commands: exit status ${code}`);
          afterFailure = true;
        } else {
          p.Status = 'Success';
          p.StatusDetails = 'Success';
          p.ResponseCode = 0;
          p.Output = rule?.output ?? '';
        }
      }
      inv.ExecutionEndDateTime = end;
      inv.ResponseCode = code;
      inv.Status = outcome === 'Success' ? 'Success' : outcome === 'TimedOut' ? 'TimedOut' : 'Failed';
      inv.StatusDetails =
        outcome === 'Success' ? 'Success' : outcome === 'TimedOut' ? 'Execution Timed Out' : 'Failed';
      this.emitInvocation(cmd, inv);
      if (cmd.DocumentName === 'AWS-RunPatchBaseline' && inst)
        this.applyPatchResult(cmd, inst, outcome === 'Success');
      if (this.errorCount(cmd) > cmd.maxErrors) this.terminateRest(cmd);
      this.pump(cmd);
      this.checkComplete(cmd);
    });
  }

  /** After MaxErrors is exceeded, invocations not yet sent are cancelled (`Terminated`). */
  private terminateRest(cmd: Command): void {
    if (cmd.terminated) return;
    cmd.terminated = true;
    for (const inv of cmd.invocations) {
      if (!inv.dispatched && inv.Status === 'Pending') this.endUnstarted(cmd, inv, 'Cancelled', 'Terminated');
    }
  }

  private endUnstarted(
    cmd: Command,
    inv: CommandInvocation,
    status: InvocationStatus,
    details: string,
  ): void {
    inv.Status = status;
    inv.StatusDetails = details;
    for (const p of inv.plugins) {
      p.Status = status;
      p.StatusDetails = details;
    }
    this.emitInvocation(cmd, inv);
  }

  private deliveryTimeout(cmd: Command): void {
    if (this.isDone(cmd)) return;
    for (const inv of cmd.invocations) {
      if (inv.Status === 'Pending' || inv.Status === 'Delayed')
        this.endUnstarted(cmd, inv, 'TimedOut', 'Delivery Timed Out');
    }
    this.checkComplete(cmd);
  }

  private checkComplete(cmd: Command): void {
    if (this.isDone(cmd) || !cmd.invocations.every((i) => TERMINAL_INV.includes(i.Status))) return;
    const invs = cmd.invocations;
    const errors = this.errorCount(cmd);
    const dto = invs.filter((i) => i.StatusDetails === 'Delivery Timed Out').length;
    const eto = invs.filter((i) => i.StatusDetails === 'Execution Timed Out').length;
    if (cmd.cancelled) [cmd.Status, cmd.StatusDetails] = ['Cancelled', 'Cancelled'];
    else if (errors > cmd.maxErrors && eto === errors)
      [cmd.Status, cmd.StatusDetails] = ['TimedOut', 'Execution Timed Out'];
    else if (errors > cmd.maxErrors) [cmd.Status, cmd.StatusDetails] = ['Failed', 'Failed'];
    else if (dto > cmd.maxErrors) [cmd.Status, cmd.StatusDetails] = ['TimedOut', 'Delivery Timed Out'];
    else if (invs.every((i) => i.Status === 'Success'))
      [cmd.Status, cmd.StatusDetails] = ['Success', 'Success'];
    else [cmd.Status, cmd.StatusDetails] = ['Failed', 'Incomplete'];
    this.clearTimers(cmd);
    this.emitCommand(cmd);
  }

  cancel(commandId: string, instanceIds?: string[]): void {
    const cmd = this.commands.get(commandId);
    if (!cmd) throw new AwsError('InvalidCommandId', "The command ID isn't valid.");
    if (this.isDone(cmd)) return;
    const all = !instanceIds || instanceIds.length === 0;
    if (all) cmd.cancelled = true;
    for (const inv of cmd.invocations) {
      if (TERMINAL_INV.includes(inv.Status)) continue;
      if (!all && !instanceIds.includes(inv.InstanceId)) continue;
      inv.ExecutionEndDateTime = inv.ExecutionStartDateTime ? this.ctx.clock.now() : undefined;
      this.endUnstarted(cmd, inv, 'Cancelled', 'Cancelled');
    }
    if (!all) this.pump(cmd);
    this.checkComplete(cmd);
  }

  private applyPatchResult(cmd: Command, inst: ManagedInstance, ok: boolean): void {
    const op = cmd.Parameters.Operation?.[0] === 'Install' ? 'Install' : 'Scan';
    const start = this.ctx.clock.now();
    const p = inst.patch;
    if (op === 'Scan') {
      this.instances.setPatchState(inst.InstanceId, {
        operation: 'Scan',
        operationStartTime: start,
        operationEndTime: start,
        compliance:
          p.missingCount + p.failedCount + p.installedPendingRebootCount > 0 ? 'NON_COMPLIANT' : 'COMPLIANT',
      });
      return;
    }
    if (!ok) {
      this.instances.setPatchState(inst.InstanceId, {
        operation: 'Install',
        operationStartTime: start,
        operationEndTime: start,
        failedCount: Math.max(1, p.failedCount),
        compliance: 'NON_COMPLIANT',
      });
      return;
    }
    const noReboot = cmd.Parameters.RebootOption?.[0] === 'NoReboot';
    const installed = p.missingCount + p.failedCount;
    this.instances.setPatchState(inst.InstanceId, {
      operation: 'Install',
      operationStartTime: start,
      operationEndTime: start,
      installedCount: p.installedCount + (noReboot ? 0 : installed),
      installedPendingRebootCount: noReboot ? p.installedPendingRebootCount + installed : 0,
      missingCount: 0,
      failedCount: 0,
      compliance: noReboot && p.installedPendingRebootCount + installed > 0 ? 'NON_COMPLIANT' : 'COMPLIANT',
    });
  }

  private pickRule(cmd: Command, inv: CommandInvocation): CommandOutcomeRule | undefined {
    const idx = this.rules.findIndex((r) => {
      if (r.document !== undefined && r.document !== cmd.DocumentName) return false;
      if (r.instanceId !== undefined) {
        const list = Array.isArray(r.instanceId) ? r.instanceId : [r.instanceId];
        if (!list.includes(inv.InstanceId)) return false;
      }
      return parametersMatch(cmd.Parameters, r.parameterMatch);
    });
    return takeRule(this.rules, idx);
  }

  private later(cmd: Command, ms: number, fn: () => void): void {
    const list = this.timers.get(cmd.CommandId) ?? [];
    list.push(this.ctx.clock.after(ms, fn));
    this.timers.set(cmd.CommandId, list);
  }

  private clearTimers(cmd: Command): void {
    for (const c of this.timers.get(cmd.CommandId) ?? []) c();
    this.timers.delete(cmd.CommandId);
  }

  // ---- events & views ----------------------------------------------------------------------------

  private instanceArn(id: string): string {
    return id.startsWith('mi-')
      ? `arn:aws:ssm:${this.ctx.region}:${this.ctx.account}:managed-instance/${id}`
      : `arn:aws:ec2:${this.ctx.region}:${this.ctx.account}:instance/${id}`;
  }

  private emitCommand(cmd: Command): void {
    this.ctx.emit(
      'EC2 Command Status-change Notification',
      cmd.invocations.map((i) => this.instanceArn(i.InstanceId)),
      {
        'command-id': cmd.CommandId,
        'document-name': cmd.DocumentName,
        'expire-after': cmd.ExpiresAfter.toISOString(),
        parameters: cmd.Parameters,
        'requested-date-time': cmd.RequestedDateTime.toISOString(),
        status: cmd.Status,
      },
    );
  }

  private emitInvocation(cmd: Command, inv: CommandInvocation): void {
    this.ctx.emit('EC2 Command Invocation Status-change Notification', [this.instanceArn(inv.InstanceId)], {
      'command-id': cmd.CommandId,
      'document-name': cmd.DocumentName,
      'instance-id': inv.InstanceId,
      'requested-date-time': inv.RequestedDateTime.toISOString(),
      status: inv.Status,
    });
  }

  private view(cmd: Command): Record<string, unknown> {
    const invs = cmd.invocations;
    return {
      CommandId: cmd.CommandId,
      DocumentName: cmd.DocumentName,
      DocumentVersion: cmd.DocumentVersion,
      Comment: cmd.Comment,
      ExpiresAfter: epoch(cmd.ExpiresAfter),
      Parameters: cmd.Parameters,
      InstanceIds: cmd.InstanceIds,
      Targets: cmd.Targets,
      RequestedDateTime: epoch(cmd.RequestedDateTime),
      Status: cmd.Status,
      StatusDetails: cmd.StatusDetails,
      OutputS3Region: this.ctx.region,
      OutputS3BucketName: cmd.OutputS3BucketName,
      OutputS3KeyPrefix: cmd.OutputS3KeyPrefix,
      MaxConcurrency: cmd.MaxConcurrency,
      MaxErrors: cmd.MaxErrors,
      TargetCount: invs.length,
      CompletedCount: invs.filter((i) => TERMINAL_INV.includes(i.Status)).length,
      ErrorCount: this.errorCount(cmd),
      DeliveryTimedOutCount: invs.filter((i) => i.StatusDetails === 'Delivery Timed Out').length,
      ServiceRole: cmd.ServiceRole,
      NotificationConfig: cmd.NotificationConfig ?? NO_NOTIFICATION,
      CloudWatchOutputConfig: cmd.CloudWatchOutputConfig ?? NO_CLOUDWATCH_OUTPUT,
      TimeoutSeconds: cmd.TimeoutSeconds,
    };
  }

  private invocationView(cmd: Command, inv: CommandInvocation, details: boolean): Record<string, unknown> {
    return {
      CommandId: cmd.CommandId,
      InstanceId: inv.InstanceId,
      InstanceName: this.instances.get(inv.InstanceId)?.ComputerName ?? '',
      Comment: cmd.Comment,
      DocumentName: cmd.DocumentName,
      DocumentVersion: cmd.DocumentVersion,
      RequestedDateTime: epoch(inv.RequestedDateTime),
      Status: inv.Status,
      StatusDetails: inv.StatusDetails,
      TraceOutput: '',
      StandardOutputUrl: '',
      StandardErrorUrl: '',
      CommandPlugins: details
        ? inv.plugins.map((p) => ({
            Name: p.Name,
            Status: p.Status,
            StatusDetails: p.StatusDetails,
            ResponseCode: p.ResponseCode,
            ResponseStartDateTime: epoch(p.ResponseStartDateTime),
            ResponseFinishDateTime: epoch(p.ResponseFinishDateTime),
            Output: (
              p.Output + (p.StandardError ? `\n----------ERROR-------\n${p.StandardError}` : '')
            ).slice(0, 2500),
            StandardOutputUrl: '',
            StandardErrorUrl: '',
            OutputS3Region: this.ctx.region,
            OutputS3BucketName: cmd.OutputS3BucketName,
            OutputS3KeyPrefix: cmd.OutputS3KeyPrefix,
          }))
        : [],
      ServiceRole: cmd.ServiceRole,
      NotificationConfig: cmd.NotificationConfig ?? NO_NOTIFICATION,
      CloudWatchOutputConfig: cmd.CloudWatchOutputConfig ?? NO_CLOUDWATCH_OUTPUT,
    };
  }

  private statusFilter(inv: { Status: string; StatusDetails: string }, values: string[]): boolean {
    const detailKey = inv.StatusDetails.replace(/\s+/g, '');
    return values.some((v) => v === inv.Status || v === detailKey);
  }

  private timeFilter(at: Date, key: string, values: string[]): boolean {
    const t = at.getTime();
    return values.every((v) => {
      const x = new Date(v).getTime();
      if (Number.isNaN(x))
        throw new AwsError('InvalidFilterValue', `The filter value ${v} isn't a valid date.`);
      return key === 'InvokedAfter' ? t >= x : t <= x;
    });
  }

  operations(): Record<string, Operation> {
    return {
      SendCommand: (input) => {
        const cmd = this.send(input);
        const view = this.view(cmd);
        // The response is a snapshot taken at creation: Pending, counts zero.
        return {
          Command: {
            ...view,
            Status: 'Pending',
            StatusDetails: 'Pending',
            TargetCount: 0,
            CompletedCount: 0,
            ErrorCount: 0,
            DeliveryTimedOutCount: 0,
          },
        };
      },
      ListCommands: (input) => {
        const commandId = optString(input, 'CommandId');
        const instanceId = optString(input, 'InstanceId');
        const filters = commandFilters(input);
        const maxResults = checkMaxResults(optNumber(input, 'MaxResults'), 1, 50, 50);
        if (commandId !== undefined && !this.commands.has(commandId))
          throw new AwsError('InvalidCommandId', "The command ID isn't valid.");
        if (instanceId !== undefined && !INSTANCE_ID_RE.test(instanceId))
          throw new AwsError('InvalidInstanceId', "The instance ID isn't valid.");
        const list = [...this.order].reverse().filter((c) => {
          if (commandId !== undefined && c.CommandId !== commandId) return false;
          if (instanceId !== undefined && !c.invocations.some((i) => i.InstanceId === instanceId))
            return false;
          return filters.every((f) => this.commandFilter(c, f.key, f.values));
        });
        const page = this.pager.page(
          list,
          `ListCommands:${fingerprint({ commandId, instanceId, filters })}`,
          maxResults,
          optString(input, 'NextToken'),
        );
        return { Commands: page.items.map((c) => this.view(c)), NextToken: page.next };
      },
      ListCommandInvocations: (input) => {
        const commandId = optString(input, 'CommandId');
        const instanceId = optString(input, 'InstanceId');
        const details = optBool(input, 'Details') ?? false;
        const filters = commandFilters(input);
        const maxResults = checkMaxResults(optNumber(input, 'MaxResults'), 1, 50, 50);
        if (commandId !== undefined && !this.commands.has(commandId))
          throw new AwsError('InvalidCommandId', "The command ID isn't valid.");
        if (instanceId !== undefined && !INSTANCE_ID_RE.test(instanceId))
          throw new AwsError('InvalidInstanceId', "The instance ID isn't valid.");
        for (const f of filters) {
          if (!['InvokedAfter', 'InvokedBefore', 'Status', 'DocumentName'].includes(f.key))
            throw new AwsError('InvalidFilterKey', `The filter key ${f.key} isn't valid.`);
        }
        const now = this.ctx.clock.now().getTime();
        const rows: [Command, CommandInvocation][] = [];
        for (const c of [...this.order].reverse()) {
          if (commandId !== undefined && c.CommandId !== commandId) continue;
          for (const inv of c.invocations) {
            if (inv.visibleAt > now) continue;
            if (instanceId !== undefined && inv.InstanceId !== instanceId) continue;
            const ok = filters.every((f) => {
              if (f.key === 'Status') return this.statusFilter(inv, f.values);
              if (f.key === 'DocumentName') return f.values.includes(c.DocumentName);
              return this.timeFilter(inv.RequestedDateTime, f.key, f.values);
            });
            if (ok) rows.push([c, inv]);
          }
        }
        const page = this.pager.page(
          rows,
          `ListCommandInvocations:${fingerprint({ commandId, instanceId, filters, details })}`,
          maxResults,
          optString(input, 'NextToken'),
        );
        return {
          CommandInvocations: page.items.map(([c, inv]) => this.invocationView(c, inv, details)),
          NextToken: page.next,
        };
      },
      GetCommandInvocation: (input) => {
        const commandId = reqString(input, 'CommandId');
        const instanceId = reqString(input, 'InstanceId');
        const pluginName = optString(input, 'PluginName');
        if (commandId.length !== 36)
          throw validation(
            `1 validation error detected: Value '${commandId}' at 'commandId' failed to satisfy constraint: Member must have length 36`,
          );
        if (!INSTANCE_ID_RE.test(instanceId))
          throw new AwsError('InvalidInstanceId', "The instance ID isn't valid.");
        const cmd = this.commands.get(commandId);
        const inv = cmd?.invocations.find((i) => i.InstanceId === instanceId);
        if (!cmd || !inv || inv.visibleAt > this.ctx.clock.now().getTime())
          throw new AwsError(
            'InvocationDoesNotExist',
            "The command ID and managed node ID you specified didn't match any invocations. Verify the command ID and the managed node ID and try again.",
          );
        let plugin: PluginResult | undefined;
        if (pluginName !== undefined) {
          plugin = inv.plugins.find((p) => p.Name === pluginName);
          if (!plugin) throw new AwsError('InvalidPluginName', "The plugin name isn't valid.");
        } else if (inv.plugins.length === 1) {
          plugin = inv.plugins[0];
        } else {
          throw new AwsError('InvalidPluginName', 'The document has more than one step; specify PluginName.');
        }
        const p = plugin ?? {
          Name: '',
          Status: inv.Status,
          StatusDetails: inv.StatusDetails,
          ResponseCode: inv.ResponseCode,
          Output: '',
          StandardError: '',
        };
        const start = p.ResponseStartDateTime;
        const end = p.ResponseFinishDateTime;
        return {
          CommandId: cmd.CommandId,
          InstanceId: inv.InstanceId,
          Comment: cmd.Comment,
          DocumentName: cmd.DocumentName,
          DocumentVersion: cmd.DocumentVersion,
          PluginName: p.Name,
          ResponseCode: p.ResponseCode,
          ExecutionStartDateTime: start ? start.toISOString() : '',
          ExecutionElapsedTime:
            start && end ? `PT${((end.getTime() - start.getTime()) / 1000).toFixed(3)}S` : '',
          ExecutionEndDateTime: end ? end.toISOString() : '',
          Status: p.Status,
          StatusDetails: p.StatusDetails,
          StandardOutputContent: p.Output.slice(0, 24_000),
          StandardOutputUrl: '',
          StandardErrorContent: p.StandardError.slice(0, 8_000),
          StandardErrorUrl: '',
          CloudWatchOutputConfig: cmd.CloudWatchOutputConfig ?? {
            CloudWatchLogGroupName: '',
            CloudWatchOutputEnabled: false,
          },
        };
      },
      CancelCommand: (input) => {
        const commandId = reqString(input, 'CommandId');
        this.cancel(commandId, optStringList(input, 'InstanceIds'));
        return {};
      },
    };
  }

  private commandFilter(c: Command, key: string, values: string[]): boolean {
    switch (key) {
      case 'InvokedAfter':
      case 'InvokedBefore':
        return this.timeFilter(c.RequestedDateTime, key, values);
      case 'Status':
        return this.statusFilter(c, values);
      case 'DocumentName':
        return values.includes(c.DocumentName);
      case 'ExecutionStage':
        return values.some((v) =>
          v === 'Complete' ? this.isDone(c) : v === 'Executing' ? !this.isDone(c) : false,
        );
      default:
        throw new AwsError('InvalidFilterKey', `The filter key ${key} isn't valid.`);
    }
  }
}

/** ListCommands/ListCommandInvocations filters are `{key, value}` (lowercase, one value each). */
function commandFilters(input: Record<string, unknown>): { key: string; values: string[] }[] {
  const arr = optArray(input, 'Filters') ?? [];
  if (arr.length > 5)
    throw validation(
      "Value at 'filters' failed to satisfy constraint: Member must have length less than or equal to 5",
    );
  return arr.map((f) => {
    if (!isRecord(f) || typeof f.key !== 'string' || typeof f.value !== 'string')
      throw validation(
        "Value null at 'filters.member.key' failed to satisfy constraint: Member must not be null",
      );
    return { key: f.key, values: [f.value] };
  });
}
