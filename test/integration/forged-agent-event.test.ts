/**
 * A forged `SSM Agent Disconnected` event (anyone with events:PutEvents on the default bus can put
 * one) for an instance whose agent SSM reports Online: the real remediate bundle reads the agent's
 * state from SSM and does nothing. PutEvents through the real EventBridge SDK over HTTP.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SandboxAccount } from '../../sandbox/account.ts';
import { AGENT_DISCONNECTED, AGENT_EVENT_SOURCE } from '../../src/events/agent.ts';
import { decisions, setModes, startTestAccount } from '../helpers/sandbox.ts';

let acct: SandboxAccount;
let ssm: SSMClient;
let events: EventBridgeClient;
const AGENT_REMEDIATIONS = ['agent-troubleshoot', 'agent-restart', 'agent-reboot'];

beforeAll(async () => {
  acct = await startTestAccount();
  const client = {
    endpoint: acct.url,
    region: acct.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  ssm = new SSMClient(client);
  events = new EventBridgeClient(client);
  // All agent remediations on: a forged event would act if the service trusted it.
  await setModes(ssm, AGENT_REMEDIATIONS, 'auto');
});
afterAll(async () => {
  ssm?.destroy();
  events?.destroy();
  await acct?.close();
});

it('a forged SSM Agent Disconnected event for an Online agent starts no execution and sends no command', async () => {
  const online = 'i-0f0e0d0c0b0a09080';
  acct.ssm.addInstance({ InstanceId: online });
  const future = new Date(Date.now() + 86_400_000).toISOString();
  for (const reason of ['stale-ping', 'connection-lost']) {
    const out = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: AGENT_EVENT_SOURCE,
            DetailType: AGENT_DISCONNECTED,
            Detail: JSON.stringify({
              instanceId: online,
              pingStatus: reason === 'stale-ping' ? 'Online' : 'ConnectionLost',
              lastPingDateTime: future,
              platformType: 'Linux',
              reason,
              consecutiveSweeps: 3,
              detectedAt: future,
            }),
          },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
  }
  await acct.bus.idle({ timeoutMs: 60_000 });

  const ds = decisions(acct, online);
  // The forged events reached remediate (troubleshoot for both, restart for stale-ping, reboot for connection-lost).
  expect(ds.map((d) => d['remediation']).sort()).toEqual(
    ['agent-reboot', 'agent-restart', 'agent-troubleshoot', 'agent-troubleshoot'].sort(),
  );
  for (const d of ds) expect(d).toMatchObject({ outcome: 'skipped', code: 'agent-online' });
  expect(
    acct.ssm.listAutomationExecutions().filter((x) => x.Parameters['InstanceId']?.[0] === online),
  ).toEqual([]);
  expect(acct.ssm.listCommands().filter((c) => JSON.stringify(c).includes(online))).toEqual([]);
});
