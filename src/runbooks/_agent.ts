/** Shared facts of the agent.disconnected remediations (pure). */
import { requireId } from '../model/ids.ts';
import { startAutomation, type Remediation } from '../core/remediation.ts';
import type { Facts, Finding } from '../model/types.ts';
import { pingOf } from '../core/instance-facts.ts';

/**
 * The agent is back: SSM reports it Online now and, when both pings are known, it has pinged since
 * the sweep saw it (an Online-but-stale agent that has not pinged since is not back).
 */
export function agentBack(f: Finding<'agent.disconnected'>, facts: Facts): boolean {
  const now = facts.instances?.[f.resourceId];
  if (pingOf(facts.instances, f.resourceId) !== 'Online') return false;
  // An operator's request carries no sweep observation: the agent is not known to be back.
  if (f.detail.source !== 'agent-sweep') return false;
  const seen = f.detail.lastPingDateTime ? Date.parse(f.detail.lastPingDateTime) : NaN;
  const latest = now?.lastPingDateTime ? Date.parse(now.lastPingDateTime) : NaN;
  if (!Number.isNaN(seen) && !Number.isNaN(latest)) return latest > seen;
  // Without both pings: back if the sweep flagged ConnectionLost and SSM now says Online.
  return f.detail.reason === 'connection-lost';
}

export const backReason = (id: string) =>
  `SSM Agent on ${id} is Online again and has pinged since it was flagged: nothing to do`;

/**
 * The plan of an Automation runbook that takes the instance as `InstanceId`: nothing to do if the
 * agent is back; the assume role passed when the stage has one.
 */
export function instanceAutomationPlan(document: string): Remediation<'agent.disconnected'>['plan'] {
  return (f, facts, ctx) => {
    const id = requireId('instanceId', f.resourceId, 'detail.instanceId');
    if (agentBack(f, facts)) return [{ kind: 'skip', code: 'already-compliant', reason: backReason(id) }];
    return [
      startAutomation(document, {
        InstanceId: [id],
        ...(ctx.assumeRoleArn ? { AutomationAssumeRole: [ctx.assumeRoleArn] } : {}),
      }),
    ];
  };
}
