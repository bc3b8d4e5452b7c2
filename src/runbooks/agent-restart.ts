/**
 * An SSM Agent that is Online but has a stale ping: its health reports stopped while it may still
 * take commands. Restart the agent with our own Command document (SsmRemediator-RestartAgent), which
 * schedules the restart outside the agent's process tree. An agent that is ConnectionLost now cannot
 * be reached by Run Command: skipped (agent-offline), left to the Automation remediations.
 */
import { requireId } from '../model/ids.ts';
import { defineRemediation } from '../core/remediation.ts';
import type { SendCommandAction } from '../model/types.ts';
import { agentBack, backReason } from './_agent.ts';
import { pingOf } from '../core/instance-facts.ts';
import { agentDisconnectedEvent, STALE_PING } from './_instance-examples.ts';

const DOCUMENT = 'SsmRemediator-RestartAgent';
/** One instance per command; give up on delivery after 2 minutes (the agent may be past saving). */
const RATE = { maxConcurrency: '1', maxErrors: '1', timeoutSeconds: 120 };
const A = 'i-0123456789abcdef0';

const restart = (id: string): SendCommandAction => ({
  kind: 'sendCommand',
  document: DOCUMENT,
  parameters: { DelaySeconds: ['10'], Reason: ['ssm-remediator stale agent ping'] },
  instanceIds: [id],
  ...RATE,
});

export default defineRemediation({
  id: 'agent-restart',
  title: 'Restart an SSM Agent whose health ping is stale (SsmRemediator-RestartAgent)',
  description:
    'The agent-health sweep found an Online agent whose LastPingDateTime is stale over several sweeps. ' +
    'Restarting the agent usually restores its health reports. Runs only while SSM still reports the agent ' +
    'Online (Run Command cannot reach a ConnectionLost agent).',
  trigger: 'agent.disconnected',
  applies: (f) => f.detail.source === 'agent-sweep' && f.detail.reason === 'stale-ping',
  defaultMode: 'shadow',
  documents: [{ name: DOCUMENT, type: 'Command', file: `documents/${DOCUMENT}.yaml` }],
  permissions: ['ssm:SendCommand'],
  needs: ['instance'],
  plan(f, facts) {
    const id = requireId('managedInstanceId', f.resourceId, 'detail.instanceId');
    if (agentBack(f, facts)) return [{ kind: 'skip', code: 'already-compliant', reason: backReason(id) }];
    const ping = pingOf(facts.instances, id);
    if (ping !== 'Online') {
      return [
        {
          kind: 'skip',
          code: 'agent-offline',
          reason: `SSM Agent on ${id} is ${ping}: Run Command cannot reach it`,
        },
      ];
    }
    return [restart(id)];
  },
  examples: [
    {
      name: 'Online with a stale ping → restart the agent',
      event: agentDisconnectedEvent(A, 'stale-ping'),
      facts: { pingStatus: 'Online', lastPingDateTime: STALE_PING },
      expect: { outcome: 'started', actions: [restart(A)] },
    },
    {
      name: 'ConnectionLost by now → skipped (agent-offline)',
      event: agentDisconnectedEvent(A, 'stale-ping'),
      facts: { pingStatus: 'ConnectionLost' },
      expect: { outcome: 'skipped' },
    },
    {
      name: 'a ConnectionLost finding does not apply',
      event: agentDisconnectedEvent(A),
      expect: { applies: false },
    },
  ],
});
