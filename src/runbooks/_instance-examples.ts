/** Example events for the instance trigger families (patch.failed, agent.disconnected), as EventBridge delivers them. */
import { AGENT_DISCONNECTED, AGENT_EVENT_SOURCE } from '../events/agent.ts';

const envelope = (id: string, source: string, detailType: string, time: string, detail: unknown) => ({
  version: '0',
  id,
  'detail-type': detailType,
  source,
  account: '123456789012',
  time,
  region: 'us-east-1',
  resources: [],
  detail,
});

/** `EC2 Command Invocation Status-change Notification` for a patch run that ended `status` (AWS-FACTS §1.2). */
export function patchCommandFailedEvent(
  instanceId: string,
  status = 'Failed',
  time = '2025-03-04T03:41:52Z',
  id = '4780e1b8-f56b-4de5-95f2-95db273d1602',
  document = 'AWS-RunPatchBaseline',
): Record<string, unknown> {
  return envelope(id, 'aws.ssm', 'EC2 Command Invocation Status-change Notification', time, {
    'command-id': '7a1c2e3f-4b5d-4c6e-8f90-a1b2c3d4e5f6',
    'document-name': document,
    'instance-id': instanceId,
    'requested-date-time': '2025-03-04T03:02:11.517Z',
    status,
  });
}

/** `Configuration Compliance State Change`, Patch non_compliant (AWS-FACTS §1.5). */
export function patchNonCompliantEvent(
  instanceId: string,
  complianceType = 'Patch',
  time = '2025-03-04T03:42:10Z',
  id = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
): Record<string, unknown> {
  return envelope(id, 'aws.ssm', 'Configuration Compliance State Change', time, {
    'resource-type': 'managed-instance',
    'resource-id': instanceId,
    'compliance-status': 'non_compliant',
    'compliance-type': complianceType,
    'patch-baseline-id': 'pb-0c10e65780a1b2c3d',
    severity: 'critical',
  });
}

/** A last ping long past (the example events' own), so SSM's state bears out a stale-ping finding. */
export const STALE_PING = '2025-03-04T11:47:12.381Z';

/** Our own `SSM Agent Disconnected` event (src/events/agent.ts), as the agent-health sweep publishes it. */
export function agentDisconnectedEvent(
  instanceId: string,
  reason: 'connection-lost' | 'stale-ping' = 'connection-lost',
  detectedAt = '2025-03-04T12:15:00.000Z',
): Record<string, unknown> {
  return envelope(
    '6d1f0c2a-8b3e-4f5a-9c7d-2e4f6a8b0c1d',
    AGENT_EVENT_SOURCE,
    AGENT_DISCONNECTED,
    detectedAt,
    {
      instanceId,
      pingStatus: reason === 'connection-lost' ? 'ConnectionLost' : 'Online',
      lastPingDateTime: STALE_PING,
      platformType: 'Linux',
      reason,
      consecutiveSweeps: 3,
      detectedAt,
    },
  );
}
