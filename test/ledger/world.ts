/**
 * A small world for ledger tests: the real engine and the real ledger over dynalite, with the
 * SSM, Config, calendar and notification sides as in-memory fakes of the ports.
 */
import { randomUUID } from 'node:crypto';
import { startLedger, type StartedLedger } from '../helpers/dynalite.ts';
import { DEFAULT_RUNTIME_OPTIONS, type LedgerRuntimeOptions } from '../../src/core/completion.ts';
import type { ReconcileDeps } from '../../src/core/reconcile.ts';
import { DEFAULT_LIMITS, type Limits } from '../../src/core/gates.ts';
import type { AutomationDetail, CommandDetail } from '../../src/ports/executions.ts';
import type { ComplianceResult } from '../../src/ports/compliance.ts';
import { createRegistry } from '../../src/core/registry.ts';
import { defineRemediation, startAutomation } from '../../src/core/remediation.ts';
import type { SendCommandAction } from '../../src/model/types.ts';
import type { LedgerOptions } from '../../src/adapters/ledger-dynamodb.ts';
import type { Notification, StartAutomationRequest, SendCommandRequest } from '../../src/ports/index.ts';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const FREEZE = 'prod-change-freeze';
export const FREEZE_ARN = `arn:aws:ssm:${REGION}:${ACCOUNT}:document/${FREEZE}`;
export const SG = 'sg-0a1b2c3d4e5f67890';
export const INSTANCE = 'i-0fedcba9876543210';

export const sgFix = defineRemediation({
  id: 'restricted-ssh',
  title: 'Close SSH open to the world',
  trigger: 'config.noncompliant',
  applies: (f) => f.rule === 'restricted-ssh',
  defaultMode: 'auto',
  calendars: [FREEZE],
  documents: [{ name: 'AWS-DisablePublicAccessForSecurityGroup', type: 'Automation' }],
  permissions: ['ssm:StartAutomationExecution'],
  plan: (f) => [startAutomation('AWS-DisablePublicAccessForSecurityGroup', { GroupId: [f.resourceId] })],
  examples: [],
});

export const patchNow = defineRemediation({
  id: 'patch-now',
  title: 'Install missing patches',
  trigger: 'patch.failed',
  applies: () => true,
  defaultMode: 'auto',
  calendars: [FREEZE],
  documents: [{ name: 'AWS-RunPatchBaseline', type: 'Command' }],
  permissions: ['ssm:SendCommand'],
  plan: (f): SendCommandAction[] => [
    {
      kind: 'sendCommand',
      document: 'AWS-RunPatchBaseline',
      parameters: { Operation: ['Install'] },
      instanceIds: [f.resourceId],
      maxConcurrency: '1',
      maxErrors: '0',
      timeoutSeconds: 600,
    },
  ],
  examples: [],
});

let seq = 0;
const uuid = () => randomUUID();

/** A Config NON_COMPLIANT event for the security group (ordering time distinct per `n`). */
export function configEvent(
  opts: { id?: string; resourceId?: string; ordering?: string } = {},
): Record<string, unknown> {
  const resourceId = opts.resourceId ?? SG;
  const ordering = opts.ordering ?? '2025-03-04T14:21:55.118Z';
  return {
    version: '0',
    id: opts.id ?? uuid(),
    'detail-type': 'Config Rules Compliance Change',
    source: 'aws.config',
    account: ACCOUNT,
    time: '2025-03-04T14:22:07Z',
    region: REGION,
    resources: [],
    detail: {
      resourceId,
      awsRegion: REGION,
      awsAccountId: ACCOUNT,
      configRuleName: 'restricted-ssh',
      recordVersion: '1.0',
      configRuleARN: `arn:aws:config:${REGION}:${ACCOUNT}:config-rule/config-rule-abc123`,
      messageType: 'ComplianceChangeNotification',
      newEvaluationResult: {
        evaluationResultIdentifier: {
          evaluationResultQualifier: {
            configRuleName: 'restricted-ssh',
            resourceType: 'AWS::EC2::SecurityGroup',
            resourceId,
          },
          orderingTimestamp: ordering,
        },
        complianceType: 'NON_COMPLIANT',
        resultRecordedTime: ordering,
        configRuleInvokedTime: ordering,
      },
      notificationCreationTime: ordering,
      resourceType: 'AWS::EC2::SecurityGroup',
    },
  };
}

export function commandInvocationFailedEvent(time = '2025-03-04T03:41:52Z'): Record<string, unknown> {
  return {
    version: '0',
    id: uuid(),
    'detail-type': 'EC2 Command Invocation Status-change Notification',
    source: 'aws.ssm',
    account: ACCOUNT,
    time,
    region: REGION,
    resources: [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${INSTANCE}`],
    detail: {
      'command-id': '7a1c2e3f-4b5d-4c6e-8f90-a1b2c3d4e5f6',
      'document-name': 'AWS-RunPatchBaseline',
      'instance-id': INSTANCE,
      'requested-date-time': '2025-03-04T03:02:11.517Z',
      status: 'Failed',
    },
  };
}

export function patchComplianceEvent(time = '2025-03-04T03:42:10Z'): Record<string, unknown> {
  return {
    version: '0',
    id: uuid(),
    'detail-type': 'Configuration Compliance State Change',
    source: 'aws.ssm',
    account: ACCOUNT,
    time,
    region: REGION,
    resources: [`arn:aws:ssm:${REGION}:${ACCOUNT}:managed-instance/${INSTANCE}`],
    detail: {
      'resource-type': 'managed-instance',
      'resource-id': INSTANCE,
      'compliance-status': 'non_compliant',
      'compliance-type': 'Patch',
      'patch-baseline-id': 'pb-0c10e65780a1b2c3d',
      severity: 'critical',
    },
  };
}

export function calendarEvent(state: 'OPEN' | 'CLOSED', calendarArn = FREEZE_ARN): Record<string, unknown> {
  return {
    version: '0',
    id: uuid(),
    'detail-type': 'Calendar State Change',
    source: 'aws.ssm',
    account: ACCOUNT,
    time: '2025-03-10T06:00:05Z',
    region: REGION,
    resources: [calendarArn],
    detail: { state, atTime: '2025-03-10T06:00:00Z', nextTransitionTime: '2025-03-14T22:00:00Z' },
  };
}

export function automationStatusEvent(executionId: string, status: string): Record<string, unknown> {
  return {
    version: '0',
    id: uuid(),
    'detail-type': 'EC2 Automation Execution Status-change Notification',
    source: 'aws.ssm',
    account: ACCOUNT,
    time: '2025-03-04T14:23:48Z',
    region: REGION,
    resources: [`arn:aws:ssm:${REGION}:${ACCOUNT}:automation-execution/${executionId}`],
    detail: {
      ExecutionId: executionId,
      Definition: 'AWS-DisablePublicAccessForSecurityGroup',
      DefinitionVersion: 1.0,
      Status: status,
      StartTime: 'Mar 4, 2025 2:23:31 PM',
      EndTime: 'Mar 4, 2025 2:23:46 PM',
      Time: 15204.0,
    },
  };
}

export function commandStatusEvent(commandId: string, status: string): Record<string, unknown> {
  return {
    version: '0',
    id: uuid(),
    'detail-type': 'EC2 Command Status-change Notification',
    source: 'aws.ssm',
    account: ACCOUNT,
    time: '2025-03-04T16:05:12Z',
    region: REGION,
    resources: [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${INSTANCE}`],
    detail: {
      'command-id': commandId,
      'document-name': 'AWS-RunPatchBaseline',
      'expire-after': '2025-03-04T18:05:10.049Z',
      parameters: { Operation: ['Install'] },
      'requested-date-time': '2025-03-04T16:05:10.049Z',
      status,
    },
  };
}

export interface World {
  started: StartedLedger;
  deps: ReconcileDeps;
  clock: { now: Date; advance(minutes: number): void };
  calendar: { state: 'OPEN' | 'CLOSED'; reads: number };
  automations: StartAutomationRequest[];
  commands: SendCommandRequest[];
  notifications: Notification[];
  logs: { level: string; message: string; fields: Record<string, unknown> }[];
  /** SSM's view of each execution (set by tests; default InProgress). */
  automationStatus: Map<string, AutomationDetail>;
  commandStatus: Map<string, CommandDetail>;
  /** Config's view: `${rule}|${resourceId}` → result (default NON_COMPLIANT). */
  compliance: Map<string, ComplianceResult>;
  reevaluations: string[][];
  close(): Promise<void>;
}

export async function world(
  o: {
    limits?: Partial<Limits>;
    ledger?: Partial<Omit<LedgerOptions, 'tableName'>>;
    options?: Partial<LedgerRuntimeOptions>;
  } = {},
): Promise<World> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...o.limits };
  const started = await startLedger({ cooldownWindowHours: limits.cooldownWindowHours, ...o.ledger });
  const clock = {
    now: new Date('2025-03-04T14:30:00.000Z'),
    advance(minutes: number) {
      this.now = new Date(this.now.getTime() + minutes * 60_000);
    },
  };
  const calendar = { state: 'OPEN' as 'OPEN' | 'CLOSED', reads: 0 };
  const automations: StartAutomationRequest[] = [];
  const commands: SendCommandRequest[] = [];
  const notifications: Notification[] = [];
  const logs: World['logs'] = [];
  const automationStatus = new Map<string, AutomationDetail>();
  const commandStatus = new Map<string, CommandDetail>();
  const compliance = new Map<string, ComplianceResult>();
  const reevaluations: string[][] = [];
  const byToken = new Map<string, string>();
  const log =
    (level: string) =>
    (message: string, fields: Record<string, unknown>): void => {
      logs.push({ level, message, fields });
    };

  const deps: ReconcileDeps = {
    registry: createRegistry([
      { file: 'restricted-ssh.ts', remediation: sgFix },
      { file: 'patch-now.ts', remediation: patchNow },
    ]),
    config: { stage: 'test', defaultCalendars: [], limits, settings: {} },
    switches: { read: async () => ({ killSwitch: false, modes: {} }) },
    tags: { tagsFor: async () => ({}) },
    calendar: {
      state: async () => {
        calendar.reads++;
        return calendar.state === 'OPEN'
          ? { state: 'OPEN', nextTransitionTime: '2025-03-14T22:00:00Z' }
          : { state: 'CLOSED', nextTransitionTime: '2025-03-10T06:00:00Z' };
      },
    },
    fleet: {
      describe: async (ids) =>
        Object.fromEntries(
          ids.map((id) => [id, { instanceId: id, pingStatus: 'Online' as const, platformType: 'Linux' }]),
        ),
    },
    automation: {
      start: async (req) => {
        // Like SSM: the same ClientToken gives back the same execution.
        const known = byToken.get(req.clientToken);
        if (known) return { executionId: known };
        automations.push(req);
        const executionId = `${String(++seq).padStart(8, '0')}-0000-4000-8000-000000000000`;
        byToken.set(req.clientToken, executionId);
        automationStatus.set(executionId, { executionId, status: 'InProgress', document: req.document });
        return { executionId };
      },
    },
    commands: {
      send: async (req) => {
        commands.push(req);
        const commandId = `c${String(++seq).padStart(7, '0')}-0000-4000-8000-000000000000`;
        commandStatus.set(commandId, {
          commandId,
          status: 'InProgress',
          document: req.document,
          counts: { InProgress: req.instanceIds.length },
          invocations: req.instanceIds.map((instanceId) => ({ instanceId, status: 'InProgress' })),
        });
        return { commandId };
      },
    },
    ledger: started.ledger,
    notifier: { notify: async (n) => void notifications.push(n) },
    deadLetter: { send: async () => undefined },
    log: { info: log('info'), warn: log('warn'), error: log('error') },
    now: () => clock.now,
    executions: {
      automation: async (id) => {
        const a = automationStatus.get(id);
        if (!a)
          throw Object.assign(new Error(`no execution ${id}`), {
            name: 'AutomationExecutionNotFoundException',
          });
        return a;
      },
      command: async (id) => {
        const c = commandStatus.get(id);
        if (!c) throw Object.assign(new Error(`no command ${id}`), { name: 'InvalidCommandId' });
        return c;
      },
    },
    compliance: {
      check: async (rule, _type, resourceId) =>
        compliance.get(`${rule}|${resourceId}`) ?? { compliance: 'NON_COMPLIANT' },
      reevaluate: async (rules) => void reevaluations.push(rules),
    },
    options: { ...DEFAULT_RUNTIME_OPTIONS, ...o.options },
  };
  return {
    started,
    deps,
    clock,
    calendar,
    automations,
    commands,
    notifications,
    logs,
    automationStatus,
    commandStatus,
    compliance,
    reevaluations,
    close: () => started.close(),
  };
}

/** The reconcile schedule's event (EventBridge `Scheduled Event`). */
export const scheduled = {
  version: '0',
  id: 'sched-1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  detail: {},
};
