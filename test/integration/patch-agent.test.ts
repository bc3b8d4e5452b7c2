/**
 * Patch fan-out and the agent-health sweep with the real bundles in the sandbox, through the real SDK
 * over HTTP: EventBridge → SQS batching window → patch-fanout → SendCommand groups in the simulated
 * SSM; schedule → agent-sweep → PutEvents → remediate → Automation.
 */
import { SSMClient } from '@aws-sdk/client-ssm';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxAccount } from '../../sandbox/account.ts';
import type { BusEvent } from '../../sandbox/types.ts';
import { patchCommandFailedEvent } from '../../src/runbooks/_instance-examples.ts';
import { setModes, startTestAccount, clientConfig } from '../helpers/sandbox.ts';

let acct: SandboxAccount;
let ssm: SSMClient;
const iid = (n: number): string => `i-${n.toString(16).padStart(17, '0')}`;

beforeAll(async () => {
  acct = await startTestAccount();
  ssm = new SSMClient(clientConfig(acct));
  // Both remediations under test start in shadow; an operator turns them on in Parameter Store.
  await setModes(ssm, ['patch-baseline-install', 'agent-troubleshoot'], 'auto');
});
afterAll(async () => {
  ssm?.destroy();
  await acct?.close();
});

describe('patch failures', () => {
  it('61 failed patch runs (one agent offline) → 2 SendCommand calls of ≤50 instances and one notification', async () => {
    for (let n = 0; n < 60; n++) acct.ssm.addInstance({ InstanceId: iid(0x100 + n) });
    acct.ssm.addInstance({ InstanceId: iid(0x1ff) });
    acct.ssm.setPingStatus(iid(0x1ff), 'ConnectionLost');
    const before = acct.sns.messages().length;
    const time = acct.clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    for (let n = 0; n < 60; n++) {
      acct.bus.put(
        patchCommandFailedEvent(iid(0x100 + n), 'Failed', time, randomUUID()) as unknown as BusEvent,
        { via: 'service' },
      );
    }
    acct.bus.put(patchCommandFailedEvent(iid(0x1ff), 'Failed', time, randomUUID()) as unknown as BusEvent, {
      via: 'service',
    });
    await acct.bus.idle({ timeoutMs: 60_000 });

    const ours = acct.ssm.listCommands().filter((c) => c.Comment.includes('patch-baseline-install'));
    expect(ours).toHaveLength(2);
    for (const c of ours) {
      expect(c.DocumentName).toBe('AWS-RunPatchBaseline');
      expect(c.InstanceIds.length).toBeLessThanOrEqual(50);
    }
    const sent = ours.flatMap((c) => c.InstanceIds);
    expect(new Set(sent).size).toBe(60);
    expect(sent).not.toContain(iid(0x1ff));
    const told = acct.sns
      .messages()
      .slice(before)
      .map(
        (m) =>
          JSON.parse(m.Message) as { title: string; outcome: string; reason: string; outcomes?: unknown[] },
      );
    // One aggregated notification for the whole fan-out, not one per instance.
    const fanout = told.filter((m) => m.title.startsWith('Patch fan-out'));
    expect(fanout).toHaveLength(1);
    expect(fanout[0]!.outcomes).toHaveLength(61);
    expect(fanout[0]!.reason).toContain('1 skipped (agent-offline), 60 started');
    // Then one completion report per command, with its per-instance counts.
    const done = told.filter((m) => m.title.startsWith('Re-run patch installation'));
    expect(done.map((m) => m.outcome)).toEqual(['succeeded', 'succeeded']);
    expect(done.map((m) => m.outcomes?.length).sort()).toEqual([10, 50]);
  });
});

describe('agent-health sweep', () => {
  it('a ConnectionLost agent is announced on the third sweep, and remediated once', async () => {
    const lost = iid(0x2aa);
    acct.ssm.addInstance({ InstanceId: lost });
    acct.ssm.setPingStatus(lost, 'ConnectionLost');
    const sweep = acct.bus
      .rules()
      .find((r) => r.scheduleExpression && r.targets.some((t) => t.arn.includes('agentSweep')));
    expect(sweep, 'the agent sweep schedule is deployed').toBeDefined();
    const diagnoses = () =>
      acct.ssm
        .listAutomationExecutions()
        .filter(
          (x) =>
            x.DocumentName === 'AWSSupport-TroubleshootManagedInstance' &&
            x.Parameters['InstanceId']?.[0] === lost,
        );

    for (let i = 1; i <= 2; i++) {
      acct.bus.fireSchedule(sweep!.name);
      await acct.bus.idle({ timeoutMs: 60_000 });
    }
    expect(diagnoses()).toHaveLength(0);

    acct.bus.fireSchedule(sweep!.name);
    await acct.bus.idle({ timeoutMs: 60_000 });
    expect(diagnoses()).toHaveLength(1);
    const published = acct.events
      .events()
      .map((r) => r.event)
      .filter((e) => e['detail-type'] === 'SSM Agent Disconnected' && e.detail['instanceId'] === lost);
    expect(published).toHaveLength(1);

    // Later sweeps stay quiet while it stays down.
    acct.bus.fireSchedule(sweep!.name);
    await acct.bus.idle({ timeoutMs: 60_000 });
    expect(diagnoses()).toHaveLength(1);
  });
});
