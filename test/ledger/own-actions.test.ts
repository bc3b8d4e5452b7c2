/**
 * The service's own actions are recognised (issue 11): the failure event of a command the service
 * itself sent is not a new finding. Real event shape: examples/events/ssm-command-invocation-status-change.json
 * carrying the service's command id.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { handleCompletion } from '../../src/core/completion.ts';
import { handleEvent } from '../../src/core/engine.ts';
import { runFanout } from '../../src/core/fanout.ts';
import { startLedger } from '../helpers/dynalite.ts';
import { exampleEvent, variant } from '../helpers/events.ts';
import { instanceId, world as patchWorld } from '../patch/world.ts';
import { commandInvocationFailedEvent, commandStatusEvent, INSTANCE, world, type World } from './world.ts';

let w: World | undefined;
afterEach(async () => w?.close());

/** The example invocation failure, as SSM would send it for `commandId` on `instance`. */
const ownFailure = (commandId: string, instance: string, time = '2025-03-04T16:07:41Z') =>
  variant(exampleEvent('ssm-command-invocation-status-change'), (v) => {
    v.id = `own-${commandId.slice(0, 8)}`;
    v.time = time;
    v.resources = [`arn:aws:ec2:us-east-1:123456789012:instance/${instance}`];
    v.detail['command-id'] = commandId;
    v.detail['instance-id'] = instance;
  });

describe('own actions', () => {
  it('the failure of the patch run the service sent feeds its completion, never a new remediation', async () => {
    w = await world();
    const [first] = await handleEvent(commandInvocationFailedEvent(), w.deps);
    expect(first).toMatchObject({ outcome: 'started', remediation: 'patch-now' });
    const commandId = first!.executionId!;
    // The command ends Failed; completion closes it (and frees the instance's in-flight lock).
    w.commandStatus.set(commandId, {
      commandId,
      status: 'Failed',
      counts: { Failed: 1 },
      invocations: [{ instanceId: INSTANCE, status: 'Failed' }],
    });
    const closed = await handleCompletion(commandStatusEvent(commandId, 'Failed'), w.deps);
    expect(closed.status).toBe('closed');
    const told = w.notifications.length;

    // SSM's own invocation event for that run arrives: it is ours, so nothing new starts.
    const [o] = await handleEvent(ownFailure(commandId, INSTANCE), w.deps);
    expect(o).toMatchObject({ outcome: 'skipped', code: 'own-action', executionId: commandId });
    expect(o!.reason).toContain(`command ${commandId}, which this service started`);
    expect(w.commands).toHaveLength(1);
    expect(w.notifications).toHaveLength(told);

    // A failure of someone else's patch run is still a finding.
    w.clock.advance(60);
    const [other] = await handleEvent(commandInvocationFailedEvent('2025-03-04T17:00:00Z'), w.deps);
    expect(other!.outcome).toBe('started');
  });

  it('through the patch fan-out, the same event sends no command', async () => {
    const ledger = await startLedger();
    try {
      const p = patchWorld(ledger);
      const id = instanceId(7);
      p.ping.set(id, 'Online');
      const record = (event: unknown) => ({ id: 'msg-own', body: JSON.stringify(event) });
      const sent = await runFanout(
        [record(variant(ownFailure('7a1c2e3f-4b5d-4c6e-8f90-a1b2c3d4e5f6', id), (v) => (v.id = 'theirs')))],
        p.deps,
      );
      expect(sent.commands).toHaveLength(1);
      const commandId = sent.commands[0]!.commandId;
      const exec = (await ledger.ledger.getExecution(commandId))!;
      await ledger.ledger.releaseLocks(exec);

      const r = await runFanout([record(ownFailure(commandId, id, '2025-03-04T03:30:00Z'))], p.deps);
      expect(r.commands).toHaveLength(0);
      expect(p.sendCalls()).toHaveLength(1);
      expect(r.retry).toEqual([]);
      expect(r.outcomes).toEqual([expect.objectContaining({ outcome: 'skipped', code: 'own-action' })]);
    } finally {
      await ledger.close();
    }
  });
});
