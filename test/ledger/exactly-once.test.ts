import { afterEach, describe, expect, it } from 'vitest';
import { handleEvent } from '../../src/core/engine.ts';
import { handleCompletion } from '../../src/core/completion.ts';
import { reconcile } from '../../src/core/reconcile.ts';
import { automationStatusEvent } from './world.ts';
import {
  commandInvocationFailedEvent,
  commandStatusEvent,
  configEvent,
  INSTANCE,
  patchComplianceEvent,
  SG,
  scheduled,
  world,
  type World,
} from './world.ts';

let w: World;
afterEach(async () => w?.close());

describe('exactly once', () => {
  it('three copies of one event start one execution; the copies are skipped as duplicates', async () => {
    w = await world();
    const event = configEvent({ id: 'same-event-id' });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(...(await handleEvent(structuredClone(event), w.deps)));
    expect(w.automations).toHaveLength(1);
    expect(results.map((o) => o.outcome)).toEqual(['started', 'skipped', 'skipped']);
    expect(results.slice(1).map((o) => o.code)).toEqual(['duplicate', 'duplicate']);
    expect(results[1]!.executionId).toBe(results[0]!.executionId);
    // Duplicates are recorded but not announced.
    expect(w.notifications.map((n) => n.outcome.outcome)).toEqual(['started']);
  });

  it('a copy redelivered after the execution completed (lock released) is still a duplicate', async () => {
    w = await world();
    const event = configEvent({ id: 'late-copy' });
    const [first] = await handleEvent(structuredClone(event), w.deps);
    const id = first!.executionId!;
    w.automationStatus.set(id, { executionId: id, status: 'Failed' });
    await handleCompletion(automationStatusEvent(id, 'Failed'), w.deps);
    w.clock.advance(120);
    const [late] = await handleEvent(structuredClone(event), w.deps);
    expect(late).toMatchObject({ outcome: 'skipped', code: 'duplicate', executionId: id });
    expect(w.automations).toHaveLength(1);
  });

  it('three copies delivered at the same moment still start one execution', async () => {
    w = await world();
    const event = configEvent();
    const results = (
      await Promise.all([1, 2, 3].map(() => handleEvent(structuredClone(event), w.deps)))
    ).flat();
    expect(w.automations).toHaveLength(1);
    expect(results.filter((o) => o.outcome === 'started')).toHaveLength(1);
    expect(results.filter((o) => o.code === 'duplicate')).toHaveLength(2);
  });

  it('one resource flagged by two sources at once (command invocation and compliance) sends one command', async () => {
    w = await world();
    const [first] = await handleEvent(commandInvocationFailedEvent('2025-03-04T03:41:52Z'), w.deps);
    const [second] = await handleEvent(patchComplianceEvent('2025-03-04T03:42:10Z'), w.deps);
    expect(w.commands).toHaveLength(1);
    expect(w.commands[0]!.instanceIds).toEqual([INSTANCE]);
    expect(first!.outcome).toBe('started');
    expect(second).toMatchObject({ outcome: 'skipped', code: 'duplicate', executionId: first!.executionId });
    expect(second!.reason).toContain('already in flight');
    // A redelivery of the second source is a duplicate too, even though its key is new.
    const again = await handleEvent(patchComplianceEvent('2025-03-04T03:42:10Z'), w.deps);
    expect(again[0]!.code).toBe('duplicate');
    expect(w.commands).toHaveLength(1);
  });

  it('the in-flight lock is released when the execution completes: a later finding acts again', async () => {
    w = await world();
    const [first] = await handleEvent(commandInvocationFailedEvent('2025-03-04T03:41:52Z'), w.deps);
    const id = first!.executionId!;
    w.commandStatus.set(id, {
      commandId: id,
      status: 'Failed',
      counts: { Failed: 1 },
      invocations: [{ instanceId: INSTANCE, status: 'Failed' }],
    });
    await handleCompletion(commandStatusEvent(id, 'Failed'), w.deps);
    w.clock.advance(30);
    const [later] = await handleEvent(patchComplianceEvent('2025-03-04T05:00:00Z'), w.deps);
    expect(later!.outcome).toBe('started');
    expect(w.commands).toHaveLength(2);
  });

  it('release undoes a claim whose action never started, so a retry acts', async () => {
    w = await world();
    const key = {
      remediationId: 'restricted-ssh',
      resourceId: SG,
      findingTime: '2025-03-04T14:21:55.118Z',
      family: 'config.noncompliant' as const,
    };
    expect(await w.started.ledger.claim(key, w.clock.now)).toEqual({ status: 'claimed' });
    expect((await w.started.ledger.claim(key, w.clock.now)).status).toBe('duplicate');
    await w.started.ledger.release(key);
    expect(await w.started.ledger.claim(key, w.clock.now)).toEqual({ status: 'claimed' });
  });

  it('an engine whose action throws a transient error releases its claim and holds the work (SendCommand has no idempotency token)', async () => {
    w = await world();
    const send = w.deps.commands.send;
    let fail = true;
    w.deps.commands.send = async (req) => {
      if (fail) {
        fail = false;
        const { TransientError } = await import('../../src/model/errors.ts');
        throw new TransientError('SendCommand: ThrottlingException after 5 attempts');
      }
      return send(req);
    };
    const event = commandInvocationFailedEvent();
    const [held] = await handleEvent(event, w.deps);
    expect(held).toMatchObject({ outcome: 'deferred', code: 'transient-error' });
    // The claim is free again: the sweep's retry acts, once.
    w.clock.advance(10);
    const r = await reconcile(scheduled, w.deps);
    expect(r.deferrals.map((d) => d.result)).toEqual(['released']);
    expect(r.deferrals[0]!.outcomes![0]!.outcome).toBe('started');
    expect(w.commands).toHaveLength(1);
    expect(await w.started.ledger.listDeferrals()).toHaveLength(0);
  });

  it('a claim left by an invocation that died before acting goes stale and can be taken over', async () => {
    w = await world();
    const key = {
      remediationId: 'restricted-ssh',
      resourceId: SG,
      findingTime: 't1',
      family: 'config.noncompliant' as const,
    };
    await w.started.ledger.claim(key, w.clock.now);
    w.clock.advance(1);
    expect((await w.started.ledger.claim(key, w.clock.now)).status).toBe('duplicate');
    w.clock.advance(2);
    expect((await w.started.ledger.claim(key, w.clock.now)).status).toBe('claimed');
  });
});
