/**
 * An EC2 instance whose SSM Agent is ConnectionLost: reboot it in place through the EC2 API
 * (EC2 RebootInstances, in our own Automation document), which brings a hung agent or OS back without
 * Run Command. A reboot, not AWS-RestartEC2Instance's stop and start: instance-store data, a public
 * IP without an Elastic IP and Auto Scaling membership all survive it. Still an outage:
 * calendar-gated, and it starts in shadow.
 */
import { ID_PATTERNS } from '../model/ids.ts';
import { defineRemediation, startAutomation } from '../core/remediation.ts';
import { instanceAutomationPlan } from './_agent.ts';
import { agentDisconnectedEvent } from './_instance-examples.ts';

const DOCUMENT = 'SsmRemediator-RebootInstance';
const A = 'i-0123456789abcdef0';

export default defineRemediation({
  id: 'agent-reboot',
  title: 'Reboot (in place, no stop/start) an EC2 instance whose SSM Agent is disconnected',
  description:
    'The agent-health sweep found an EC2 instance whose SSM Agent is ConnectionLost over several sweeps. ' +
    'SsmRemediator-RebootInstance reboots it through the EC2 API (RebootInstances) and waits until it runs: ' +
    'a reboot, not a stop and start, so instance-store data and a public IP without an Elastic IP survive. ' +
    'Only EC2 instances (i-), only when the change calendar is open (deferred until it opens), and only if ' +
    'the agent has not come back meanwhile.',
  trigger: 'agent.disconnected',
  applies: (f) =>
    ID_PATTERNS.instanceId.test(f.resourceId) &&
    f.detail.source === 'agent-sweep' &&
    f.detail.reason === 'connection-lost',
  defaultMode: 'shadow',
  documents: [
    {
      name: DOCUMENT,
      type: 'Automation',
      file: `documents/${DOCUMENT}.yaml`,
      // Its steps: EC2 RebootInstances, then DescribeInstanceStatus until the instance runs.
      assumeRole: [
        {
          action: 'ec2:RebootInstances',
          resources: ['arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*'],
        },
        { action: 'ec2:DescribeInstanceStatus', resources: ['*'] },
      ],
    },
  ],
  permissions: ['ssm:StartAutomationExecution'],
  plan: instanceAutomationPlan(DOCUMENT),
  examples: [
    {
      name: 'ConnectionLost → reboot the instance in place',
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
