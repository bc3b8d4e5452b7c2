import type { SimClock } from '../clock.ts';
import type { EventSink, Operation, ServiceDef } from '../types.ts';
import { Associations, startAssociationsOnceSteps } from './associations.ts';
import type { AutomationDurations, AutomationExecution, AutomationOutcomeRule } from './automation.ts';
import { Automations } from './automation.ts';
import type { CalendarSpec, CombinedState } from './calendars.ts';
import { Calendars } from './calendars.ts';
import type { Command, CommandDurations, CommandOutcomeRule } from './commands.ts';
import { Commands } from './commands.ts';
import type { DocumentFormat, DocumentType, SsmDocument } from './documents.ts';
import { AWS_OWNED_DOCUMENTS, DocumentStore } from './documents.ts';
import type { Ec2State, InstanceInit, ManagedInstance, PatchState, PingStatus } from './instances.ts';
import { InstanceRegistry } from './instances.ts';
import { createContext } from './util.ts';

export type { Association, AssociationOutcomeRule, InstanceAssociationState } from './associations.ts';
export type { AutomationDurations, AutomationExecution, AutomationOutcomeRule } from './automation.ts';
export type { CalendarEventSpec, CalendarSpec, CalendarType, CombinedState } from './calendars.ts';
export { buildCalendar } from './calendars.ts';
export type { Command, CommandDurations, CommandInvocation, CommandOutcomeRule } from './commands.ts';
export type { DocumentFormat, DocumentType, ParamDef, SsmDocument } from './documents.ts';
export type { Ec2State, InstanceInit, ManagedInstance, PatchState, PingStatus } from './instances.ts';

export interface SsmServiceOptions {
  clock: SimClock;
  events: EventSink;
  account: string;
  region: string;
  rng?: () => number;
  /** Operations owned by other modules (Parameter Store) mounted on the same `AmazonSSM` target. */
  extraOperations?: Record<string, Operation>;
}

/** Scenario/test handle on the simulated Systems Manager. */
export interface SsmState {
  readonly documents: DocumentStore;
  readonly instances: InstanceRegistry;
  readonly calendars: Calendars;
  readonly automations: Automations;
  readonly commands: Commands;
  /** State Manager associations (CreateAssociation, StartAssociationsOnce, per-instance status). */
  readonly associations: Associations;

  // managed instances
  addInstance(init: InstanceInit): ManagedInstance;
  getInstance(id: string): ManagedInstance | undefined;
  setPingStatus(id: string, status: PingStatus): void;
  setInstanceState(id: string, state: Ec2State): void;
  setInstanceTags(id: string, tags: Record<string, string>): void;
  setPatchState(id: string, patch: Partial<PatchState>): void;

  // documents
  addDocument(args: {
    name: string;
    content: string | object;
    type: DocumentType;
    format?: DocumentFormat;
  }): SsmDocument;
  loadDocumentsFromDir(dir: string): string[];

  // change calendars
  addCalendar(name: string, content: string | CalendarSpec): SsmDocument;
  updateCalendar(name: string, content: string | CalendarSpec): void;
  /** Convenience: a DEFAULT_OPEN calendar that is CLOSED from `from` to `to`. */
  addFreeze(name: string, from: Date, to: Date): SsmDocument;
  calendarState(names: string[], at?: Date): CombinedState;

  // automation
  setAutomationOutcome(rule: AutomationOutcomeRule): void;
  clearAutomationOutcomes(): void;
  setAutomationDurations(d: Partial<AutomationDurations>): void;
  onAutomationFinished(fn: (exec: AutomationExecution) => void): () => void;
  getAutomationExecution(id: string): AutomationExecution | undefined;
  listAutomationExecutions(): AutomationExecution[];

  // run command
  setCommandOutcome(rule: CommandOutcomeRule): void;
  clearCommandOutcomes(): void;
  setCommandDurations(d: Partial<CommandDurations>): void;
  getCommand(id: string): Command | undefined;
  listCommands(): Command[];
}

export function createSsmService(opts: SsmServiceOptions): { def: ServiceDef; state: SsmState } {
  const ctx = createContext(opts);
  const documents = new DocumentStore(ctx);
  const calendars = new Calendars(ctx, documents);
  const instances = new InstanceRegistry(ctx);
  const automations = new Automations(ctx, documents);
  const commands = new Commands(ctx, documents, instances);
  const associations = new Associations(ctx, documents, instances);
  // An Automation whose step calls StartAssociationsOnce runs those associations once it succeeded.
  automations.onFinished((exec) => {
    if (exec.status !== 'Success') return;
    const doc = documents.get(exec.DocumentName);
    const v = doc ? documents.version(doc, exec.DocumentVersion) : undefined;
    if (!v) return;
    for (const id of startAssociationsOnceSteps(v.content, exec.Parameters)) {
      if (!associations.get(id)) continue;
      associations.get(id)!.startedOnce += 1;
      associations.run(id);
    }
  });

  for (const d of AWS_OWNED_DOCUMENTS)
    documents.put({ name: d.name, content: d.content, type: d.type, owner: 'Amazon' });

  const state: SsmState = {
    documents,
    instances,
    calendars,
    automations,
    commands,
    associations,
    addInstance: (init) => instances.add(init),
    getInstance: (id) => instances.get(id),
    setPingStatus: (id, s) => instances.setPingStatus(id, s),
    setInstanceState: (id, s) => instances.setEc2State(id, s),
    setInstanceTags: (id, tags) => instances.setTags(id, tags),
    setPatchState: (id, patch) => instances.setPatchState(id, patch),
    addDocument: ({ name, content, type, format }) =>
      documents.put({
        name,
        content: typeof content === 'string' ? content : JSON.stringify(content),
        type,
        format:
          format ?? (typeof content === 'string' ? (type === 'ChangeCalendar' ? 'TEXT' : 'YAML') : 'JSON'),
      }),
    loadDocumentsFromDir: (dir) => documents.loadFromDir(dir),
    addCalendar: (name, content) => calendars.add(name, content),
    updateCalendar: (name, content) => calendars.update(name, content),
    addFreeze: (name, from, to) =>
      calendars.add(name, {
        type: 'DEFAULT_OPEN',
        description: 'Change freeze',
        events: [{ start: from, end: to, summary: 'Change freeze' }],
      }),
    calendarState: (names, at) => calendars.state(names, at),
    setAutomationOutcome: (rule) => automations.setOutcome(rule),
    clearAutomationOutcomes: () => automations.clearOutcomes(),
    setAutomationDurations: (d) => {
      automations.durations = { ...automations.durations, ...d };
    },
    onAutomationFinished: (fn) => automations.onFinished(fn),
    getAutomationExecution: (id) => automations.get(id),
    listAutomationExecutions: () => automations.list(),
    setCommandOutcome: (rule) => commands.setOutcome(rule),
    clearCommandOutcomes: () => commands.clearOutcomes(),
    setCommandDurations: (d) => {
      commands.durations = { ...commands.durations, ...d };
    },
    getCommand: (id) => commands.get(id),
    listCommands: () => commands.list(),
  };

  const def: ServiceDef = {
    name: 'ssm',
    protocol: 'json1.1',
    targetPrefix: 'AmazonSSM',
    internalErrorCode: 'InternalServerError',
    operations: {
      ...documents.operations(),
      ...instances.operations(),
      ...calendars.operations(),
      ...automations.operations(),
      ...commands.operations(),
      ...associations.operations(),
      ...(opts.extraOperations ?? {}),
    },
  };
  return { def, state };
}
