import * as z from '../model/zod.ts';
import { instanceIdField } from './envelope.ts';

/** Our own event source and detail-type for the agent-health sweep (there is no native AWS event). */
export const AGENT_EVENT_SOURCE = 'ssm-remediator';
export const AGENT_DISCONNECTED = 'SSM Agent Disconnected';

/** Detail of `SSM Agent Disconnected`, published by the agent-health sweep with PutEvents. */
export const agentDisconnected = z.object({
  instanceId: instanceIdField,
  pingStatus: z.enum(['ConnectionLost', 'Online', 'Inactive']),
  lastPingDateTime: z.optional(z.iso.datetime({ offset: true })),
  platformType: z.optional(z.string()),
  /** Why the sweep flagged it: the agent reported ConnectionLost, or it is Online with a stale ping. */
  reason: z.enum(['connection-lost', 'stale-ping']),
  consecutiveSweeps: z.int().check(z.positive()),
  detectedAt: z.iso.datetime({ offset: true }),
});

export type AgentDisconnectedDetail = z.infer<typeof agentDisconnected>;
