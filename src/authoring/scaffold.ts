/**
 * The source `remediator new <id> --trigger <family>` writes: a complete remediation in shadow mode
 * whose examples hold as generated, with TODOs where the author decides. `remediator check` fails it
 * until the author has replaced them (the TODO title; for Config, a resource type the rule does not
 * evaluate), so an unedited scaffold never reaches a package. Pure: strings in, source text out.
 */
import type { TriggerFamily } from '../model/types.ts';

const header = (id: string, family: TriggerFamily) => `/**
 * ${id} (${family}): scaffolded by \`remediator new\`. Replace the TODOs, keep the examples true
 * (they are this remediation's test), run \`npx remediator check\`, then rehearse it in
 * shadow mode against the sandbox (src/runbooks/README.md) before setting defaultMode to 'auto'.
 */`;

function config(id: string): string {
  return `${header(id, 'config.noncompliant')}
import { requireId } from '../model/ids.ts';
import { defineRemediation, startAutomation } from '../core/remediation.ts';
import { configEvent } from './_examples.ts';

// TODO: the Config rule this answers (managed rule name or yours), the resource type it reports,
// and the document that fixes it (an AWS-owned document not in ./_aws-documents.ts: declare its parameters on it).
const RULE = '${id}';
const RESOURCE_TYPE = 'AWS::EC2::SecurityGroup';
const DOCUMENT = 'AWS-DisablePublicAccessForSecurityGroup';
const EXAMPLE_ID = 'sg-0a1b2c3d4e5f67890';

export default defineRemediation({
  id: '${id}',
  title: 'TODO: say what this remediation fixes',
  description: \`Config rule \${RULE} found a non-compliant \${RESOURCE_TYPE}; \${DOCUMENT} fixes it.\`,
  trigger: 'config.noncompliant',
  applies: (f) => f.rule === RULE && f.resourceType === RESOURCE_TYPE,
  defaultMode: 'shadow',
  documents: [{ name: DOCUMENT, type: 'Automation' }],
  permissions: ['ssm:StartAutomationExecution'],
  plan: (f, _facts, ctx) => [
    startAutomation(DOCUMENT, {
      // Event values reach a document only after they match the shape AWS uses (model/ids.ts).
      GroupId: [requireId('securityGroupId', f.resourceId, 'detail.resourceId')],
      ...(ctx.assumeRoleArn ? { AutomationAssumeRole: [ctx.assumeRoleArn] } : {}),
    }),
  ],
  examples: [
    {
      name: \`non-compliant \${RESOURCE_TYPE} → \${DOCUMENT}\`,
      event: configEvent(RULE, RESOURCE_TYPE, EXAMPLE_ID),
      expect: { outcome: 'started', actions: [startAutomation(DOCUMENT, { GroupId: [EXAMPLE_ID] })] },
    },
    {
      name: 'in shadow mode it reports what it would do and does nothing',
      event: configEvent(RULE, RESOURCE_TYPE, EXAMPLE_ID),
      facts: { mode: 'shadow' },
      expect: { outcome: 'skipped' },
    },
    {
      name: 'a resource id of the wrong shape is rejected, never passed on',
      event: configEvent(RULE, RESOURCE_TYPE, 'sg-NOT-AN-ID'),
      expect: { outcome: 'rejected', actions: [] },
    },
    {
      name: 'another rule does not apply',
      event: configEvent('some-other-rule', RESOURCE_TYPE, EXAMPLE_ID),
      expect: { applies: false },
    },
    {
      name: 'calendar closed → deferred',
      event: configEvent(RULE, RESOURCE_TYPE, EXAMPLE_ID),
      facts: { calendar: 'CLOSED', nextTransitionTime: '2025-03-10T06:00:00Z' },
      expect: { outcome: 'deferred', actions: [] },
    },
  ],
});
`;
}

function patch(id: string): string {
  return `${header(id, 'patch.failed')}
import { requireId } from '../model/ids.ts';
import { defineRemediation } from '../core/remediation.ts';
import type { DocumentParameters, SendCommandAction } from '../model/types.ts';

// TODO: the document to send (AWS-owned: in ./_aws-documents.ts, or declare its parameters on it) and its parameters.
const DOCUMENT = 'AWS-RunPatchBaseline';
const PARAMETERS: DocumentParameters = { Operation: ['Install'], RebootOption: ['RebootIfNeeded'] };
const EXAMPLE_INSTANCE = 'i-0fedcba9876543210';

const sendCommand = (instanceId: string): SendCommandAction => ({
  kind: 'sendCommand',
  document: DOCUMENT,
  parameters: PARAMETERS,
  instanceIds: [instanceId],
  maxConcurrency: '10%',
  maxErrors: '50%',
  timeoutSeconds: 600,
});

/** An \`EC2 Command Invocation Status-change Notification\` as EventBridge delivers it. */
const failedRun = (document: string, instanceId: string, status = 'Failed') => ({
  version: '0',
  id: '4780e1b8-f56b-4de5-95f2-95db273d1602',
  'detail-type': 'EC2 Command Invocation Status-change Notification',
  source: 'aws.ssm',
  account: '123456789012',
  time: '2025-03-04T03:41:52Z',
  region: 'us-east-1',
  resources: [\`arn:aws:ec2:us-east-1:123456789012:instance/\${instanceId}\`],
  detail: {
    'command-id': '7a1c2e3f-4b5d-4c6e-8f90-a1b2c3d4e5f6',
    'document-name': document,
    'instance-id': instanceId,
    'requested-date-time': '2025-03-04T03:02:11.517Z',
    status,
  },
});

export default defineRemediation({
  id: '${id}',
  title: 'TODO: say what this remediation does after a failed patch run',
  description: \`A patch run failed or timed out on an instance; send \${DOCUMENT} to it again.\`,
  trigger: 'patch.failed',
  // TODO: which failures this handles (f.rule is the failed document, or the compliance type 'Patch').
  applies: (f) => f.rule === 'AWS-RunPatchBaseline',
  defaultMode: 'shadow',
  documents: [{ name: DOCUMENT, type: 'Command' }],
  permissions: ['ssm:SendCommand'],
  plan: (f) => [sendCommand(requireId('managedInstanceId', f.resourceId, 'detail.instance-id'))],
  examples: [
    {
      name: \`failed patch run → \${DOCUMENT} again\`,
      event: failedRun('AWS-RunPatchBaseline', EXAMPLE_INSTANCE),
      expect: { outcome: 'started', actions: [sendCommand(EXAMPLE_INSTANCE)] },
    },
    {
      name: 'in shadow mode it reports what it would do and does nothing',
      event: failedRun('AWS-RunPatchBaseline', EXAMPLE_INSTANCE),
      facts: { mode: 'shadow' },
      expect: { outcome: 'skipped' },
    },
    {
      name: 'an instance id of the wrong shape is rejected, never passed on',
      event: failedRun('AWS-RunPatchBaseline', 'i-NOT-AN-ID'),
      expect: { outcome: 'rejected' },
    },
    {
      name: 'a failed run of another document does not apply',
      event: failedRun('AWS-RunShellScript', EXAMPLE_INSTANCE),
      expect: { applies: false },
    },
    {
      name: 'calendar closed → deferred',
      event: failedRun('AWS-RunPatchBaseline', EXAMPLE_INSTANCE),
      facts: { calendar: 'CLOSED', nextTransitionTime: '2025-03-10T06:00:00Z' },
      expect: { outcome: 'deferred', actions: [] },
    },
  ],
});
`;
}

function agent(id: string): string {
  return `${header(id, 'agent.disconnected')}
import { requireId } from '../model/ids.ts';
import { defineRemediation, startAutomation } from '../core/remediation.ts';

// TODO: the Automation runbook to start (Run Command cannot reach a disconnected agent).
const DOCUMENT = 'AWSSupport-TroubleshootManagedInstance';
const EXAMPLE_INSTANCE = 'i-0fedcba9876543210';

/** The \`SSM Agent Disconnected\` event the agent-health sweep publishes. */
const disconnected = (instanceId: string, reason: 'connection-lost' | 'stale-ping' = 'connection-lost') => ({
  version: '0',
  id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
  'detail-type': 'SSM Agent Disconnected',
  source: 'ssm-remediator',
  account: '123456789012',
  time: '2025-03-04T09:15:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    instanceId,
    pingStatus: reason === 'connection-lost' ? 'ConnectionLost' : 'Online',
    lastPingDateTime: '2025-03-04T08:52:41Z',
    platformType: 'Linux',
    reason,
    consecutiveSweeps: 3,
    detectedAt: '2025-03-04T09:15:00Z',
  },
});

export default defineRemediation({
  id: '${id}',
  title: 'TODO: say what this remediation does for a disconnected agent',
  description: \`The agent-health sweep found an instance whose SSM Agent lost its connection; \${DOCUMENT} runs on it.\`,
  trigger: 'agent.disconnected',
  // TODO: which disconnects this handles (the sweep's f.detail carries reason, pingStatus, platformType).
  applies: (f) => f.detail.source === 'agent-sweep' && f.detail.reason === 'connection-lost',
  defaultMode: 'shadow',
  documents: [{ name: DOCUMENT, type: 'Automation' }],
  permissions: ['ssm:StartAutomationExecution'],
  plan: (f, _facts, ctx) => [
    startAutomation(DOCUMENT, {
      InstanceId: [requireId('managedInstanceId', f.resourceId, 'detail.instanceId')],
      ...(ctx.assumeRoleArn ? { AutomationAssumeRole: [ctx.assumeRoleArn] } : {}),
    }),
  ],
  examples: [
    {
      name: \`agent connection lost → \${DOCUMENT}\`,
      event: disconnected(EXAMPLE_INSTANCE),
      expect: {
        outcome: 'started',
        actions: [startAutomation(DOCUMENT, { InstanceId: [EXAMPLE_INSTANCE] })],
      },
    },
    {
      name: 'in shadow mode it reports what it would do and does nothing',
      event: disconnected(EXAMPLE_INSTANCE),
      facts: { mode: 'shadow' },
      expect: { outcome: 'skipped' },
    },
    {
      name: 'an instance id of the wrong shape is rejected, never passed on',
      event: disconnected('i-NOT-AN-ID'),
      expect: { outcome: 'rejected' },
    },
    {
      name: 'an agent that is online but slow to ping does not apply',
      event: disconnected(EXAMPLE_INSTANCE, 'stale-ping'),
      expect: { applies: false },
    },
    {
      name: 'calendar closed → deferred',
      event: disconnected(EXAMPLE_INSTANCE),
      facts: { calendar: 'CLOSED', nextTransitionTime: '2025-03-10T06:00:00Z' },
      expect: { outcome: 'deferred', actions: [] },
    },
  ],
});
`;
}

function association(id: string): string {
  return `${header(id, 'association.failed')}
import { requireId } from '../model/ids.ts';
import { defineRemediation, startAutomation } from '../core/remediation.ts';

// TODO: the Automation runbook to start for an instance whose State Manager association failed.
const DOCUMENT = 'AWSSupport-TroubleshootManagedInstance';
const EXAMPLE_INSTANCE = 'i-0fedcba9876543210';

/** \`EC2 State Manager Instance Association State Change\` (SSM User Guide event examples). */
const failedAssociation = (instanceId: string) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 State Manager Instance Association State Change',
  source: 'aws.ssm',
  account: '123456789012',
  time: '2025-03-04T03:30:41Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    'association-id': '34fcb7e0-9a14-4984-9989-0e04e3f60bd8',
    'instance-id': instanceId,
    'document-name': 'my-custom-document',
    status: 'Failed',
    'last-execution-date': '2025-03-04T03:30:05Z',
  },
});

export default defineRemediation({
  id: '${id}',
  title: 'TODO: say what this remediation does for a failed association',
  description: \`A State Manager association failed on an instance; \${DOCUMENT} runs on it.\`,
  trigger: 'association.failed',
  // TODO: which failures this handles (f.rule is the association's document; f.detail.associationId when f.detail.source is 'association-state').
  applies: () => true,
  defaultMode: 'shadow',
  documents: [{ name: DOCUMENT, type: 'Automation' }],
  permissions: ['ssm:StartAutomationExecution'],
  plan: (f, _facts, ctx) => [
    startAutomation(DOCUMENT, {
      InstanceId: [requireId('managedInstanceId', f.resourceId, 'detail.instance-id')],
      ...(ctx.assumeRoleArn ? { AutomationAssumeRole: [ctx.assumeRoleArn] } : {}),
    }),
  ],
  examples: [
    {
      name: \`association failed → \${DOCUMENT}\`,
      event: failedAssociation(EXAMPLE_INSTANCE),
      expect: {
        outcome: 'started',
        actions: [startAutomation(DOCUMENT, { InstanceId: [EXAMPLE_INSTANCE] })],
      },
    },
    {
      name: 'an instance id of the wrong shape is rejected, never passed on',
      event: failedAssociation('i-NOT-AN-ID'),
      expect: { outcome: 'rejected' },
    },
  ],
});
`;
}

const BY_FAMILY: Record<TriggerFamily, (id: string) => string> = {
  'config.noncompliant': config,
  'patch.failed': patch,
  'agent.disconnected': agent,
  'association.failed': association,
};

export function scaffoldRemediation(id: string, family: TriggerFamily): string {
  return BY_FAMILY[family](id);
}
