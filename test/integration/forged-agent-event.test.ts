/**
 * Forged `SSM Agent Disconnected` events, put as an attacker would: PutEvents through the real
 * EventBridge SDK over HTTP, signed with an ordinary key of the account (one whose identity policy
 * allows events:PutEvents anywhere).
 *
 * - On the default bus the event is accepted by EventBridge but no rule of the service matches it:
 *   the service's own events live on its own bus (RemediatorBus).
 * - On the service's bus the bus policy refuses the call: AccessDeniedException.
 * - Even an event the sweep's own role puts (its credentials stolen) for an Online agent does nothing:
 *   the remediate bundle reads the agent's state from SSM (the agent-state gate).
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SandboxAccount } from '../../sandbox/account.ts';
import { AGENT_DISCONNECTED, AGENT_EVENT_SOURCE } from '../../src/events/agent.ts';
import { decisions, setModes, startTestAccount, clientConfig } from '../helpers/sandbox.ts';

let acct: SandboxAccount;
let ssm: SSMClient;
let attacker: EventBridgeClient;
const AGENT_REMEDIATIONS = ['agent-troubleshoot', 'agent-restart', 'agent-reboot'];
const clients: EventBridgeClient[] = [];

const eventsAs = (accessKeyId: string): EventBridgeClient => {
  const c = new EventBridgeClient({
    endpoint: acct.url,
    region: acct.region,
    credentials: { accessKeyId, secretAccessKey: 'test' },
  });
  clients.push(c);
  return c;
};
const serviceBus = (): string => acct.fn('agentSweep').environment['EVENT_BUS_NAME']!;

const forged = (
  instanceId: string,
  reason: 'stale-ping' | 'connection-lost',
  bus?: string,
): PutEventsRequestEntry => {
  const future = new Date(Date.now() + 86_400_000).toISOString();
  return {
    ...(bus ? { EventBusName: bus } : {}),
    Source: AGENT_EVENT_SOURCE,
    DetailType: AGENT_DISCONNECTED,
    Detail: JSON.stringify({
      instanceId,
      pingStatus: reason === 'stale-ping' ? 'Online' : 'ConnectionLost',
      lastPingDateTime: future,
      platformType: 'Linux',
      reason,
      consecutiveSweeps: 3,
      detectedAt: future,
    }),
  };
};

beforeAll(async () => {
  acct = await startTestAccount();
  ssm = new SSMClient(clientConfig(acct));
  attacker = eventsAs('AKIAATTACKER');
  // All agent remediations on: a forged event would act if the service trusted it.
  await setModes(ssm, AGENT_REMEDIATIONS, 'auto');
});
afterAll(async () => {
  ssm?.destroy();
  for (const c of clients) c.destroy();
  await acct?.close();
});

const nothingDone = (instanceId: string): void => {
  expect(
    acct.ssm.listAutomationExecutions().filter((x) => x.Parameters['InstanceId']?.[0] === instanceId),
  ).toEqual([]);
  expect(acct.ssm.listCommands().filter((c) => JSON.stringify(c).includes(instanceId))).toEqual([]);
};

it('the service’s own event is on its own bus: EVENT_BUS_NAME names it, and our rule is there, not on the default bus', () => {
  expect(serviceBus()).toBe(`ssm-remediator-${acct.stage}`);
  expect(acct.bus.buses()).toContain(serviceBus());
  const agentRules = acct.bus
    .rules()
    .filter((r) => JSON.stringify(r.eventPattern ?? {}).includes(AGENT_DISCONNECTED));
  expect(agentRules.map((r) => r.eventBusName)).toEqual([serviceBus()]);
});

it('an attacker’s event on the default bus with source ssm-remediator no longer reaches the service', async () => {
  const online = 'i-0f0e0d0c0b0a09081';
  acct.ssm.addInstance({ InstanceId: online });
  const out = await attacker.send(
    new PutEventsCommand({ Entries: [forged(online, 'connection-lost'), forged(online, 'stale-ping')] }),
  );
  // EventBridge accepts it (the attacker may put events on the default bus) …
  expect(out.FailedEntryCount).toBe(0);
  await acct.bus.idle({ timeoutMs: 60_000 });
  // … and no rule matches it: remediate is never invoked for it.
  for (const e of out.Entries ?? []) expect(acct.bus.fate(e.EventId!)?.status).toBe('unmatched');
  expect(decisions(acct, online)).toEqual([]);
  nothingDone(online);
});

it('an attacker’s PutEvents to the service’s bus is denied (AccessDeniedException), and nothing is put', async () => {
  const online = 'i-0f0e0d0c0b0a09082';
  acct.ssm.addInstance({ InstanceId: online });
  const before = acct.events.events().length;
  const err = await attacker
    .send(new PutEventsCommand({ Entries: [forged(online, 'connection-lost', serviceBus())] }))
    .catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'AccessDeniedException' });
  expect(String((err as Error).message)).toContain('explicit deny in a resource-based policy');
  // By ARN as well as by name.
  const busArn = `arn:aws:events:${acct.region}:${acct.account}:event-bus/${serviceBus()}`;
  await expect(
    attacker.send(new PutEventsCommand({ Entries: [forged(online, 'stale-ping', busArn)] })),
  ).rejects.toMatchObject({ name: 'AccessDeniedException' });
  expect(acct.events.events().length).toBe(before);
  await acct.bus.idle({ timeoutMs: 60_000 });
  expect(decisions(acct, online)).toEqual([]);
  nothingDone(online);
});

it('the sweep’s role may put only its own source and detail-type on the bus', async () => {
  const sweep = acct.fn('agentSweep');
  const stolen = eventsAs(sweep.credentials!.accessKeyId);
  await expect(
    stolen.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: serviceBus(),
            Source: 'ssm-remediator.operator',
            DetailType: 'Remediation Requested',
            Detail: '{}',
          },
        ],
      }),
    ),
  ).rejects.toMatchObject({ name: 'AccessDeniedException' });
});

it('even the sweep role’s own event for an Online agent starts no execution and sends no command', async () => {
  const online = 'i-0f0e0d0c0b0a09080';
  acct.ssm.addInstance({ InstanceId: online });
  // The sweep's credentials, stolen: the bus lets them through, SSM's facts still decide.
  const stolen = eventsAs(acct.fn('agentSweep').credentials!.accessKeyId);
  for (const reason of ['stale-ping', 'connection-lost'] as const) {
    const out = await stolen.send(new PutEventsCommand({ Entries: [forged(online, reason, serviceBus())] }));
    expect(out.FailedEntryCount).toBe(0);
  }
  await acct.bus.idle({ timeoutMs: 60_000 });

  const ds = decisions(acct, online);
  // The events reached remediate (troubleshoot for both, restart for stale-ping, reboot for connection-lost).
  expect(ds.map((d) => d['remediation']).sort()).toEqual(
    ['agent-reboot', 'agent-restart', 'agent-troubleshoot', 'agent-troubleshoot'].sort(),
  );
  for (const d of ds) expect(d).toMatchObject({ outcome: 'skipped', code: 'agent-online' });
  nothingDone(online);
});
