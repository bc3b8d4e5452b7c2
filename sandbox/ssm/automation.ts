import { AwsError, validation } from '../errors.ts';
import type { Operation } from '../types.ts';
import type { DocumentStore, DocVersion, SsmDocument } from './documents.ts';
import { validateParameters } from './documents.ts';
import type { SsmContext } from './util.ts';
import {
  Pager,
  UUID_RE,
  checkMaxResults,
  epoch,
  fingerprint,
  isRecord,
  javaDate,
  optArray,
  optFilters,
  optNumber,
  optParamMap,
  optString,
  reqString,
  parametersMatch,
  takeRule,
} from './util.ts';

export type AutomationStatus =
  'Pending' | 'InProgress' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelling' | 'Cancelled';
export type StepStatus = 'Pending' | 'InProgress' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';
const TERMINAL: AutomationStatus[] = ['Success', 'Failed', 'TimedOut', 'Cancelled'];

export interface StepExecution {
  StepName: string;
  Action: string;
  StepStatus: StepStatus;
  StepExecutionId: string;
  ExecutionStartTime?: Date;
  ExecutionEndTime?: Date;
  FailureMessage?: string;
  Outputs?: Record<string, string[]>;
}

export interface AutomationExecution {
  AutomationExecutionId: string;
  DocumentName: string;
  DocumentVersion: string;
  status: AutomationStatus;
  /** Parameters after defaults were applied. */
  Parameters: Record<string, string[]>;
  Outputs: Record<string, string[]>;
  FailureMessage?: string;
  Mode: 'Auto' | 'Interactive';
  ExecutedBy: string;
  tags: { Key: string; Value: string }[];
  createdTime: Date;
  ExecutionStartTime?: Date;
  ExecutionEndTime?: Date;
  steps: StepExecution[];
  clientToken?: string;
}

/** How a matching execution ends. Rules are checked newest first; the default is Success. */
export interface AutomationOutcomeRule {
  /** Document name; omit to match any. */
  document?: string;
  /** Every listed parameter must have this value (first value compared) or match the RegExp. */
  parameterMatch?: Record<string, string | RegExp>;
  outcome: 'Success' | 'Failed' | 'TimedOut';
  failureMessage?: string;
  /** Step that fails/times out (default: the last step). */
  failedStep?: string;
  /** Total run time from InProgress to the end (default: durations.runMs). */
  durationMs?: number;
  outputs?: Record<string, string[]>;
  /** Apply to this many executions only, then drop the rule. */
  times?: number;
}

export interface AutomationDurations {
  /** Pending → InProgress for an execution that has a concurrency slot. */
  startMs: number;
  /** InProgress → terminal, spread evenly across the steps. */
  runMs: number;
  /** Cancelling → Cancelled. */
  cancelMs: number;
}

export const AUTOMATION_CONCURRENCY = 100;
export const AUTOMATION_QUEUE = 1000;

type FinishedListener = (exec: AutomationExecution) => void;

export class Automations {
  private readonly executions = new Map<string, AutomationExecution>();
  private readonly order: AutomationExecution[] = [];
  private readonly tokens = new Map<string, { id: string; fp: string }>();
  private readonly queue: AutomationExecution[] = [];
  /** Executions holding one of the 100 concurrency slots (starting, running or cancelling). */
  private readonly running = new Set<string>();
  private readonly timers = new Map<string, (() => void)[]>();
  private readonly rules: AutomationOutcomeRule[] = [];
  private readonly finished: FinishedListener[] = [];
  private readonly pager: Pager;
  durations: AutomationDurations = { startMs: 1_000, runMs: 15_000, cancelMs: 2_000 };
  executedBy: string;

  constructor(
    private readonly ctx: SsmContext,
    private readonly docs: DocumentStore,
  ) {
    this.pager = new Pager(ctx.uuid);
    this.executedBy = `arn:aws:sts::${ctx.account}:assumed-role/sandbox-caller/sandbox`;
  }

  setOutcome(rule: AutomationOutcomeRule): void {
    this.rules.unshift({ ...rule });
  }

  clearOutcomes(): void {
    this.rules.length = 0;
  }

  onFinished(fn: FinishedListener): () => void {
    this.finished.push(fn);
    return () => {
      const i = this.finished.indexOf(fn);
      if (i >= 0) this.finished.splice(i, 1);
    };
  }

  get(id: string): AutomationExecution | undefined {
    return this.executions.get(id);
  }

  list(): AutomationExecution[] {
    return [...this.order];
  }

  counts(): { running: number; queued: number } {
    return { running: this.running.size, queued: this.queue.length };
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  start(input: Record<string, unknown>): string {
    const documentName = reqString(input, 'DocumentName');
    if (!/^[a-zA-Z0-9_\-.:/]{3,128}$/.test(documentName))
      throw validation(
        `1 validation error detected: Value '${documentName}' at 'documentName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-.:/]{3,128}$`,
      );
    const versionSpec = optString(input, 'DocumentVersion');
    const params = optParamMap(input, 'Parameters');
    const clientToken = optString(input, 'ClientToken');
    const modeRaw = optString(input, 'Mode') ?? 'Auto';
    if (modeRaw !== 'Auto' && modeRaw !== 'Interactive') throw validation(`Invalid Mode ${modeRaw}`);
    const tags = (optArray(input, 'Tags') ?? []).map((t) => {
      if (!isRecord(t) || typeof t.Key !== 'string' || typeof t.Value !== 'string')
        throw validation('Each tag needs a Key and a Value.');
      return { Key: t.Key, Value: t.Value };
    });
    if (tags.length > 5)
      throw validation(
        `1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 5`,
      );
    if (input.Targets !== undefined || input.TargetMaps !== undefined || input.TargetLocations !== undefined)
      throw validation('The sandbox supports only simple (non rate-controlled, single-account) executions.');
    if (params) {
      const keys = Object.keys(params);
      if (keys.length > 200 || keys.some((k) => k.length < 1 || k.length > 50))
        throw validation(
          "Value at 'parameters' failed to satisfy constraint: Map keys must be 1-50 chars, at most 200 keys",
        );
      if (Object.values(params).some((v) => v.length > 50 || v.some((x) => x.length < 1 || x.length > 512)))
        throw validation(
          "Value at 'parameters' failed to satisfy constraint: at most 50 values of 1-512 chars",
        );
    }

    let tokenKey: string | undefined;
    const fp = fingerprint({ documentName, versionSpec, params, modeRaw, tags });
    if (clientToken !== undefined) {
      if (clientToken.length !== 36 || !UUID_RE.test(clientToken))
        throw validation(
          `1 validation error detected: Value '${clientToken}' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}`,
        );
      tokenKey = clientToken.toLowerCase();
      const prior = this.tokens.get(tokenKey);
      if (prior) {
        if (prior.fp !== fp)
          throw new AwsError(
            'IdempotentParameterMismatch',
            'Error when you try to use an idempotency token that was already used with different parameters.',
          );
        return prior.id;
      }
    }

    const doc = this.docs.get(documentName);
    if (!doc || doc.documentType !== 'Automation')
      throw new AwsError(
        'AutomationDefinitionNotFoundException',
        `Automation definition ${documentName} not found.`,
      );
    const v = this.docs.version(doc, versionSpec);
    if (!v)
      throw new AwsError(
        'AutomationDefinitionVersionNotFoundException',
        `Automation definition ${documentName}:${versionSpec ?? ''} not found.`,
      );
    const resolved = validateParameters(v, params, 'InvalidAutomationExecutionParametersException');

    const slot = this.running.size < AUTOMATION_CONCURRENCY;
    if (!slot && this.queue.length >= AUTOMATION_QUEUE)
      throw new AwsError(
        'AutomationExecutionLimitExceededException',
        'The number of simultaneously running Automation executions exceeded the allowable limit.',
      );

    const exec: AutomationExecution = {
      AutomationExecutionId: this.ctx.uuid(),
      DocumentName: doc.name,
      DocumentVersion: v.version,
      status: 'Pending',
      Parameters: resolved,
      Outputs: {},
      Mode: modeRaw,
      ExecutedBy: this.executedBy,
      tags,
      createdTime: this.ctx.clock.now(),
      steps: [],
      clientToken: tokenKey,
    };
    this.executions.set(exec.AutomationExecutionId, exec);
    this.order.push(exec);
    if (tokenKey) this.tokens.set(tokenKey, { id: exec.AutomationExecutionId, fp });
    this.emitStatus(exec);
    if (slot) this.claimSlot(exec, doc, v);
    else this.queue.push(exec);
    return exec.AutomationExecutionId;
  }

  private claimSlot(exec: AutomationExecution, doc: SsmDocument, v: DocVersion): void {
    this.running.add(exec.AutomationExecutionId);
    this.later(exec, this.durations.startMs, () => this.run(exec, doc, v));
  }

  private run(exec: AutomationExecution, _doc: SsmDocument, v: DocVersion): void {
    const rule = this.pickRule(exec);
    exec.status = 'InProgress';
    exec.ExecutionStartTime = this.ctx.clock.now();
    this.emitStatus(exec);
    const steps = v.steps;
    const outcome = rule?.outcome ?? 'Success';
    const failIndex =
      outcome === 'Success'
        ? -1
        : Math.max(
            0,
            rule?.failedStep ? steps.findIndex((s) => s.name === rule.failedStep) : steps.length - 1,
          );
    const total = rule?.durationMs ?? this.durations.runMs;
    const lastIndex = failIndex >= 0 ? failIndex : steps.length - 1;
    const per = total / (lastIndex + 1);
    const runStep = (i: number): void => {
      const def = steps[i];
      if (!def) return;
      const step: StepExecution = {
        StepName: def.name,
        Action: def.action,
        StepStatus: 'InProgress',
        StepExecutionId: this.ctx.uuid(),
        ExecutionStartTime: this.ctx.clock.now(),
      };
      exec.steps.push(step);
      this.later(exec, per, () => {
        step.ExecutionEndTime = this.ctx.clock.now();
        if (i === failIndex) {
          const msg =
            rule?.failureMessage ??
            (outcome === 'TimedOut'
              ? `Step timed out while step is verifying the state. Step ${def.name} exceeded its timeout.`
              : `Step fails when it is executing. Fail to execute step ${def.name}.`);
          step.StepStatus = outcome === 'TimedOut' ? 'TimedOut' : 'Failed';
          step.FailureMessage = msg;
          exec.FailureMessage =
            outcome === 'TimedOut'
              ? msg
              : `Step fails when it is Execute/Cancelling action. ${msg}. Please refer to Automation Service Troubleshooting Guide for more diagnosis details.`;
          this.finish(exec, outcome === 'TimedOut' ? 'TimedOut' : 'Failed');
          return;
        }
        step.StepStatus = 'Success';
        if (i === lastIndex) {
          exec.Outputs =
            rule?.outputs ??
            Object.fromEntries(
              v.outputs.map((o) => [
                o,
                ['No output available yet because the step is not successfully executed'],
              ]),
            );
          this.finish(exec, 'Success');
        } else runStep(i + 1);
      });
    };
    if (steps.length === 0) this.later(exec, total, () => this.finish(exec, 'Success'));
    else runStep(0);
  }

  private pickRule(exec: AutomationExecution): AutomationOutcomeRule | undefined {
    const idx = this.rules.findIndex(
      (r) =>
        (r.document === undefined || r.document === exec.DocumentName) &&
        parametersMatch(exec.Parameters, r.parameterMatch),
    );
    return takeRule(this.rules, idx);
  }

  private finish(exec: AutomationExecution, status: AutomationStatus): void {
    this.clearTimers(exec);
    exec.status = status;
    exec.ExecutionEndTime = this.ctx.clock.now();
    this.emitStatus(exec);
    this.running.delete(exec.AutomationExecutionId);
    this.dequeue();
    for (const fn of [...this.finished]) {
      try {
        fn(exec);
      } catch {
        // listeners are other simulated services; their errors must not break the state machine
      }
    }
  }

  private dequeue(): void {
    while (this.running.size < AUTOMATION_CONCURRENCY && this.queue.length > 0) {
      const next = this.queue.shift();
      if (!next) break;
      const doc = this.docs.get(next.DocumentName);
      const v = doc ? this.docs.version(doc, next.DocumentVersion) : undefined;
      if (!doc || !v) {
        next.FailureMessage = 'Automation definition not found.';
        this.finish(next, 'Failed');
        continue;
      }
      this.claimSlot(next, doc, v);
    }
  }

  stop(id: string, type: 'Complete' | 'Cancel'): void {
    const exec = this.executions.get(id);
    if (!exec)
      throw new AwsError('AutomationExecutionNotFoundException', `Automation execution ${id} not found.`);
    if (TERMINAL.includes(exec.status) || exec.status === 'Cancelling')
      throw new AwsError(
        'InvalidAutomationStatusUpdateException',
        `The Automation execution is already ${exec.status}.`,
      );
    const qi = this.queue.indexOf(exec);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      this.finish(exec, 'Cancelled');
      return;
    }
    this.clearTimers(exec);
    for (const s of exec.steps) {
      if (s.StepStatus === 'InProgress' || s.StepStatus === 'Pending') {
        s.StepStatus = 'Cancelled';
        s.ExecutionEndTime = this.ctx.clock.now();
      }
    }
    if (type === 'Complete') {
      this.finish(exec, 'Success');
      return;
    }
    exec.status = 'Cancelling';
    this.emitStatus(exec);
    this.later(exec, this.durations.cancelMs, () => this.finish(exec, 'Cancelled'));
  }

  private later(exec: AutomationExecution, ms: number, fn: () => void): void {
    const list = this.timers.get(exec.AutomationExecutionId) ?? [];
    list.push(this.ctx.clock.after(ms, fn));
    this.timers.set(exec.AutomationExecutionId, list);
  }

  private clearTimers(exec: AutomationExecution): void {
    for (const c of this.timers.get(exec.AutomationExecutionId) ?? []) c();
    this.timers.delete(exec.AutomationExecutionId);
  }

  // ---- events & views ----------------------------------------------------------------------------

  executionArn(id: string): string {
    return `arn:aws:ssm:${this.ctx.region}:${this.ctx.account}:automation-execution/${id}`;
  }

  private emitStatus(exec: AutomationExecution): void {
    const start = exec.ExecutionStartTime ?? exec.createdTime;
    const detail: Record<string, unknown> = {
      ExecutionId: exec.AutomationExecutionId,
      Definition: exec.DocumentName,
      DefinitionVersion: Number(exec.DocumentVersion),
      Status: exec.status,
      StartTime: javaDate(start),
    };
    if (TERMINAL.includes(exec.status) && exec.ExecutionEndTime) {
      detail.EndTime = javaDate(exec.ExecutionEndTime);
      detail.Time = exec.ExecutionEndTime.getTime() - start.getTime();
    }
    detail.ExecutedBy = exec.ExecutedBy;
    this.ctx.emit(
      'EC2 Automation Execution Status-change Notification',
      [
        this.executionArn(exec.AutomationExecutionId),
        `arn:aws:ssm:${this.ctx.region}:${this.ctx.account}:automation-definition/${exec.DocumentName}:${exec.DocumentVersion}`,
      ],
      detail,
    );
  }

  private view(exec: AutomationExecution): Record<string, unknown> {
    const current = exec.steps.find((s) => s.StepStatus === 'InProgress');
    return {
      AutomationExecutionId: exec.AutomationExecutionId,
      DocumentName: exec.DocumentName,
      DocumentVersion: exec.DocumentVersion,
      ExecutionStartTime: epoch(exec.ExecutionStartTime),
      ExecutionEndTime: epoch(exec.ExecutionEndTime),
      AutomationExecutionStatus: exec.status,
      StepExecutions: exec.steps.map((s) => ({
        StepName: s.StepName,
        Action: s.Action,
        StepStatus: s.StepStatus,
        StepExecutionId: s.StepExecutionId,
        ExecutionStartTime: epoch(s.ExecutionStartTime),
        ExecutionEndTime: epoch(s.ExecutionEndTime),
        FailureMessage: s.FailureMessage,
        OnFailure: 'Abort',
        MaxAttempts: 1,
        IsCritical: true,
        Outputs: s.Outputs,
      })),
      StepExecutionsTruncated: false,
      Parameters: exec.Parameters,
      Outputs: exec.Outputs,
      FailureMessage: exec.FailureMessage,
      Mode: exec.Mode,
      ExecutedBy: exec.ExecutedBy,
      CurrentStepName: current?.StepName,
      CurrentAction: current?.Action,
      AutomationType: 'Local',
    };
  }

  private metadata(exec: AutomationExecution): Record<string, unknown> {
    const v = this.view(exec);
    return {
      AutomationExecutionId: v.AutomationExecutionId,
      DocumentName: v.DocumentName,
      DocumentVersion: v.DocumentVersion,
      AutomationExecutionStatus: v.AutomationExecutionStatus,
      ExecutionStartTime: v.ExecutionStartTime,
      ExecutionEndTime: v.ExecutionEndTime,
      ExecutedBy: v.ExecutedBy,
      Mode: v.Mode,
      Outputs: v.Outputs,
      FailureMessage: v.FailureMessage,
      CurrentStepName: v.CurrentStepName,
      CurrentAction: v.CurrentAction,
      AutomationType: 'Local',
    };
  }

  private matchesFilter(exec: AutomationExecution, key: string, values: string[]): boolean {
    const start = (exec.ExecutionStartTime ?? exec.createdTime).getTime();
    switch (key) {
      case 'ExecutionId':
        return values.includes(exec.AutomationExecutionId);
      case 'DocumentNamePrefix':
        return values.some((p) => exec.DocumentName.startsWith(p));
      case 'ExecutionStatus':
        return values.includes(exec.status);
      case 'CurrentAction': {
        const cur = exec.steps.find((s) => s.StepStatus === 'InProgress');
        return cur !== undefined && values.includes(cur.Action);
      }
      case 'StartTimeBefore':
        return values.every((x) => start < new Date(x).getTime());
      case 'StartTimeAfter':
        return values.every((x) => start > new Date(x).getTime());
      case 'AutomationType':
        return values.includes('Local');
      case 'ParentExecutionId':
        return false;
      case 'TagKey':
        // Values are tag keys; `Key=Value` also narrows on the value.
        return values.some((x) => {
          const eq = x.indexOf('=');
          return eq < 0
            ? exec.tags.some((t) => t.Key === x)
            : exec.tags.some((t) => t.Key === x.slice(0, eq) && t.Value === x.slice(eq + 1));
        });
      default:
        throw new AwsError('InvalidFilterKey', `The filter key ${key} isn't valid.`);
    }
  }

  operations(): Record<string, Operation> {
    return {
      StartAutomationExecution: (input) => ({ AutomationExecutionId: this.start(input) }),
      GetAutomationExecution: (input) => {
        const id = reqString(input, 'AutomationExecutionId');
        const exec = this.executions.get(id);
        if (!exec)
          throw new AwsError('AutomationExecutionNotFoundException', `Automation execution ${id} not found.`);
        return { AutomationExecution: this.view(exec) };
      },
      StopAutomationExecution: (input) => {
        const id = reqString(input, 'AutomationExecutionId');
        const type = optString(input, 'Type') ?? 'Cancel';
        if (type !== 'Complete' && type !== 'Cancel') throw validation(`Invalid Type ${type}`);
        this.stop(id, type);
        return {};
      },
      DescribeAutomationExecutions: (input) => {
        const filters = optFilters(input, 'Filters') ?? [];
        if (filters.length > 10) throw validation('At most 10 filters.');
        for (const f of filters) {
          if (f.values.length < 1 || f.values.length > 10)
            throw new AwsError('InvalidFilterValue', `The filter ${f.key} needs 1 to 10 values.`);
        }
        const maxResults = checkMaxResults(optNumber(input, 'MaxResults'), 1, 50, 50);
        const list = [...this.order]
          .reverse()
          .filter((e) => filters.every((f) => this.matchesFilter(e, f.key, f.values)));
        const page = this.pager.page(
          list,
          `DescribeAutomationExecutions:${fingerprint(filters)}`,
          maxResults,
          optString(input, 'NextToken'),
        );
        return {
          AutomationExecutionMetadataList: page.items.map((e) => this.metadata(e)),
          NextToken: page.next,
        };
      },
      ListTagsForResource: (input) => {
        const type = reqString(input, 'ResourceType');
        const id = reqString(input, 'ResourceId');
        if (type === 'Automation') {
          const exec = this.executions.get(id);
          if (!exec) throw new AwsError('InvalidResourceId', `The resource ID ${id} isn't valid.`);
          return { TagList: exec.tags };
        }
        if (type === 'Document') {
          const doc = this.docs.get(id);
          if (!doc) throw new AwsError('InvalidResourceId', `The resource ID ${id} isn't valid.`);
          return { TagList: doc.tags };
        }
        throw new AwsError('InvalidResourceType', `The sandbox doesn't keep tags for ${type}.`);
      },
    };
  }
}
