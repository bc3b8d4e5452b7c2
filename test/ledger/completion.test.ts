import { afterEach, describe, expect, it } from 'vitest';
import { handleEvent } from '../../src/core/engine.ts';
import { handleCompletion } from '../../src/core/completion.ts';
import { reconcile } from '../../src/core/reconcile.ts';
import {
  automationStatusEvent,
  commandInvocationFailedEvent,
  commandStatusEvent,
  configEvent,
  INSTANCE,
  SG,
  world,
  type World,
  scheduled,
} from './world.ts';

let w: World;
afterEach(async () => w?.close());

async function startSgFix(): Promise<string> {
  const [o] = await handleEvent(configEvent(), w.deps);
  expect(o!.outcome).toBe('started');
  return o!.executionId!;
}

describe('completion', () => {
  it('ignores a completion event for an execution the service did not start: logged, no notification', async () => {
    w = await world();
    const before = w.notifications.length;
    const r = await handleCompletion(
      automationStatusEvent('6c1f3e2a-8d4b-4f7a-9e0c-2b3d4f5a6b7c', 'Failed'),
      w.deps,
    );
    expect(r).toMatchObject({ status: 'ignored' });
    expect(r.status === 'ignored' && r.reason).toContain('not started by this service');
    expect(w.notifications).toHaveLength(before);
    expect(w.logs.some((l) => l.message === 'completion ignored')).toBe(true);
  });

  it('ignores non-terminal statuses and leaves the execution in flight', async () => {
    w = await world();
    const id = await startSgFix();
    const r = await handleCompletion(automationStatusEvent(id, 'InProgress'), w.deps);
    expect(r.status).toBe('ignored');
    expect((await w.started.ledger.getExecution(id))!.phase).toBe('in-flight');
  });

  it('a failed automation is recorded once with the failed step and its message, and the lock is released', async () => {
    w = await world();
    const id = await startSgFix();
    w.automationStatus.set(id, {
      executionId: id,
      status: 'Failed',
      failedStep: {
        name: 'DisableSSH',
        action: 'aws:executeAwsApi',
        status: 'Failed',
        message: 'InvalidPermission.NotFound',
      },
    });
    const sent = w.notifications.length;
    const first = await handleCompletion(automationStatusEvent(id, 'Failed'), w.deps);
    const dup = await handleCompletion(automationStatusEvent(id, 'Failed'), w.deps);
    expect(first.status).toBe('closed');
    expect(dup.status).toBe('ignored');
    const notes = w.notifications.slice(sent);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.outcome).toMatchObject({
      outcome: 'failed',
      code: 'execution-failed',
      executionId: id,
      resourceId: SG,
    });
    expect(notes[0]!.outcome.reason).toContain(
      'at step DisableSSH (aws:executeAwsApi): InvalidPermission.NotFound',
    );
    expect(notes[0]!.consoleUrl).toContain(`/automation/execution/${id}`);
    expect((await w.started.ledger.getExecution(id))!).toMatchObject({
      phase: 'done',
      status: 'Failed',
      result: 'failed',
    });
    // Lock released: a new finding for the resource acts.
    const [next] = await handleEvent(configEvent({ ordering: '2025-03-04T15:00:00.000Z' }), w.deps);
    expect(next!.outcome).toBe('started');
  });

  it('a command completion reports per-instance counts from ListCommandInvocations', async () => {
    w = await world();
    const [o] = await handleEvent(commandInvocationFailedEvent(), w.deps);
    const id = o!.executionId!;
    w.commandStatus.set(id, {
      commandId: id,
      status: 'Failed',
      counts: { Failed: 1 },
      invocations: [{ instanceId: INSTANCE, status: 'Failed', detail: 'Failed' }],
    });
    const r = await handleCompletion(commandStatusEvent(id, 'Failed'), w.deps);
    expect(r.status).toBe('closed');
    const n = w.notifications.at(-1)!;
    expect(n.outcome.reason).toBe(
      `Run Command ended Failed: 1 instance(s): 1 Failed; not successful: ${INSTANCE} (Failed)`,
    );
    expect(n.consoleUrl).toContain(`/run-command/${id}`);
  });

  it('a Config fix is "fixed" only once Config reports COMPLIANT after re-evaluation', async () => {
    w = await world();
    const id = await startSgFix();
    w.automationStatus.set(id, { executionId: id, status: 'Success' });
    const sent = w.notifications.length;
    const r = await handleCompletion(automationStatusEvent(id, 'Success'), w.deps);
    expect(r.status).toBe('verifying');
    expect(w.reevaluations).toEqual([['restricted-ssh']]);
    expect(w.notifications).toHaveLength(sent);
    w.compliance.set(`restricted-ssh|${SG}`, {
      compliance: 'COMPLIANT',
      evaluatedAt: w.clock.now.toISOString(),
    });
    w.clock.advance(15);
    const sweep = await reconcile(scheduled, w.deps);
    expect(sweep.verified[0]!.status).toBe('closed');
    expect(w.notifications.at(-1)!.outcome).toMatchObject({
      outcome: 'succeeded',
      code: 'verified',
      executionId: id,
    });
    expect((await w.started.ledger.getExecution(id))!.result).toBe('succeeded');
  });

  it('a Config fix that ran but did not fix is a failure worth a page', async () => {
    w = await world();
    const id = await startSgFix();
    w.automationStatus.set(id, { executionId: id, status: 'Success' });
    await handleCompletion(automationStatusEvent(id, 'Success'), w.deps);
    // Config re-evaluates after the run and still finds it non-compliant.
    w.clock.advance(5);
    w.compliance.set(`restricted-ssh|${SG}`, {
      compliance: 'NON_COMPLIANT',
      evaluatedAt: w.clock.now.toISOString(),
    });
    await reconcile(scheduled, w.deps);
    expect(w.notifications.at(-1)!.outcome).toMatchObject({ outcome: 'failed', code: 'not-fixed' });
    expect(w.notifications.at(-1)!.outcome.reason).toContain('ran but not fixed');
  });

  it('a Config fix with no re-evaluation result in time is "ran but not fixed" after the timeout', async () => {
    w = await world({ options: { verifyTimeoutMinutes: 30 } });
    const id = await startSgFix();
    w.automationStatus.set(id, { executionId: id, status: 'Success' });
    await handleCompletion(automationStatusEvent(id, 'Success'), w.deps);
    w.clock.advance(15);
    expect((await reconcile(scheduled, w.deps)).verified[0]!.status).toBe('verifying');
    w.clock.advance(20);
    expect((await reconcile(scheduled, w.deps)).verified[0]!.status).toBe('closed');
    expect(w.notifications.at(-1)!.outcome.code).toBe('not-fixed');
  });

  it('the sweep closes executions whose completion event never arrived', async () => {
    w = await world();
    const [o] = await handleEvent(commandInvocationFailedEvent(), w.deps);
    const id = o!.executionId!;
    w.clock.advance(2);
    expect((await reconcile(scheduled, w.deps)).closed).toHaveLength(0);
    w.commandStatus.set(id, {
      commandId: id,
      status: 'Success',
      counts: { Success: 1 },
      invocations: [{ instanceId: INSTANCE, status: 'Success' }],
    });
    w.clock.advance(10);
    const r = await reconcile(scheduled, w.deps);
    expect(r.closed[0]).toMatchObject({ status: 'closed', executionId: id });
    expect(w.notifications.at(-1)!.outcome).toMatchObject({ outcome: 'succeeded', executionId: id });
    expect(await w.started.ledger.listInFlight(w.clock.now)).toHaveLength(0);
    // The late event, if it ever comes, is a no-op.
    expect((await handleCompletion(commandStatusEvent(id, 'Success'), w.deps)).status).toBe('ignored');
  });
});
