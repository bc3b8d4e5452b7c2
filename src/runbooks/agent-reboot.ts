/**
 * An EC2 instance whose SSM Agent is ConnectionLost: restart the instance through the EC2 API
 * (AWS-RestartEC2Instance), which brings a hung agent or OS back without Run Command. A restart is
 * an outage: calendar-gated, and it starts in shadow.
 */
import { ID_PATTERNS } from '../core/ids.ts';
import { defineRemediation, startAutomation } from '../core/remediation.ts';
import { instanceAutomationPlan } from './_agent.ts';
import { agentDisconnectedEvent } from './_instance-examples.ts';

const DOCUMENT = 'AWS-RestartEC2Instance';
const A = 'i-0123456789abcdef0';

export default defineRemediation({
  id: 'agent-reboot',
  title: 'Restart an EC2 instance whose SSM Agent is disconnected (AWS-RestartEC2Instance)',
  description:
    'The agent-health sweep found an EC2 instance whose SSM Agent is ConnectionLost over several sweeps. ' +
    'AWS-RestartEC2Instance stops and starts it through the EC2 API. Only EC2 instances (i-), only when the ' +
    'change calendar is open (deferred until it opens), and only if the agent has not come back meanwhile.',
  trigger: 'agent.disconnected',
  applies: (f) => ID_PATTERNS.instanceId.test(f.resourceId) && f.detail.reason === 'connection-lost',
  defaultMode: 'shadow',
  documents: [{ name: DOCUMENT, type: 'Automation' }],
  permissions: ['ssm:StartAutomationExecution'],
  plan: instanceAutomationPlan(DOCUMENT),
  examples: [
    {
      name: 'ConnectionLost → restart the instance',
      event: agentDisconnectedEvent(A),
      expect: { outcome: 'started', actions: [startAutomation(DOCUMENT, { InstanceId: [A] })] },
    },
    {
      name: 'calendar closed → deferred until it opens',
      event: agentDisconnectedEvent(A),
      facts: { calendar: 'CLOSED', nextTransitionTime: '2025-03-08T22:00:00Z' },
      expect: { outcome: 'deferred', actions: [] },
    },
    {
      name: 'back Online → skipped',
      event: agentDisconnectedEvent(A),
      facts: { pingStatus: 'Online' },
      expect: { outcome: 'skipped' },
    },
    {
      name: 'an Online agent with a stale ping is not rebooted',
      event: agentDisconnectedEvent(A, 'stale-ping'),
      expect: { applies: false },
    },
    {
      name: 'a hybrid node (mi-) is never rebooted',
      event: agentDisconnectedEvent('mi-0123456789abcdef0'),
      expect: { applies: false },
    },
  ],
});
