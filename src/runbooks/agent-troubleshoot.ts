/**
 * An SSM Agent stopped reporting: diagnose why with AWSSupport-TroubleshootManagedInstance (network
 * path and VPC endpoints, instance profile, agent). Automation works through the EC2 and IAM APIs, so
 * it reaches an instance Run Command cannot. Read-only: no change calendar, acts by default.
 */
import { defineRemediation, startAutomation } from '../core/remediation.ts';
import { ID_PATTERNS } from '../model/ids.ts';
import { instanceAutomationPlan } from './_agent.ts';
import { agentDisconnectedEvent, STALE_PING } from './_instance-examples.ts';

const DOCUMENT = 'AWSSupport-TroubleshootManagedInstance';
const A = 'i-0123456789abcdef0';

export default defineRemediation({
  id: 'agent-troubleshoot',
  title: 'Diagnose a disconnected SSM Agent (AWSSupport-TroubleshootManagedInstance)',
  description:
    'The agent-health sweep found an EC2 instance whose SSM Agent is ConnectionLost or has a stale ping. ' +
    'AWSSupport-TroubleshootManagedInstance checks the network path, VPC endpoints, instance profile and agent, ' +
    'and reports what stops the node from being managed. It changes nothing, so it is not calendar-gated.',
  trigger: 'agent.disconnected',
  // The runbook diagnoses EC2 instances; hybrid nodes (mi-) have no EC2 API to inspect.
  applies: (f) => ID_PATTERNS.instanceId.test(f.resourceId),
  defaultMode: 'auto',
  calendars: [],
  calendarExemption: 'read-only diagnosis: the runbook changes nothing on the instance',
  documents: [{ name: DOCUMENT, type: 'Automation' }],
  permissions: ['ssm:StartAutomationExecution'],
  plan: instanceAutomationPlan(DOCUMENT),
  examples: [
    {
      name: 'ConnectionLost → start the diagnosis',
      event: agentDisconnectedEvent(A),
      expect: { outcome: 'started', actions: [startAutomation(DOCUMENT, { InstanceId: [A] })] },
    },
    {
      name: 'stale ping → start the diagnosis',
      event: agentDisconnectedEvent(A, 'stale-ping'),
      facts: { pingStatus: 'Online', lastPingDateTime: STALE_PING },
      expect: { outcome: 'started', actions: [startAutomation(DOCUMENT, { InstanceId: [A] })] },
    },
    {
      name: 'back Online by the time the event is handled → skipped by the agent-state gate (agent-online)',
      event: agentDisconnectedEvent(A),
      facts: { pingStatus: 'Online' },
      expect: { outcome: 'skipped', actions: [] },
    },
    {
      name: 'a hybrid node (mi-) does not apply',
      event: agentDisconnectedEvent('mi-0123456789abcdef0'),
      expect: { applies: false },
    },
  ],
});
