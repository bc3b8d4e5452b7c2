import { describe, expect, it } from 'vitest';
import { redriveFailedInvocations, remediatePayload } from '../../src/core/redrive.ts';
import type { FailedInvocation, FailedInvocationsPort, LogPort } from '../../src/ports/index.ts';

const arn = (fn: string) => `arn:aws:lambda:us-east-1:123456789012:function:ssm-remediator-dev-${fn}:$LATEST`;
const record = (fn: string, payload: unknown) => ({
  requestContext: { functionArn: arn(fn), condition: 'RetriesExhausted', approximateInvokeCount: 3 },
  requestPayload: payload,
  responsePayload: { errorType: 'TransientError' },
});

function queue(messages: FailedInvocation[]): FailedInvocationsPort & { removed: string[] } {
  const removed: string[] = [];
  return {
    removed,
    receive: async (max) => messages.slice(0, max),
    remove: async (h) => void removed.push(h),
  };
}

const warned: string[] = [];
const log: LogPort = { info: () => undefined, warn: (m) => void warned.push(m), error: () => undefined };

describe('redrive of failed invocations', () => {
  it('hands remediate events to the engine again and deletes only those it took', async () => {
    const q = queue([
      { handle: 'a', record: record('remediate', { id: 'e1' }) },
      { handle: 'b', record: record('remediate', { id: 'e2' }) },
      { handle: 'c', record: record('complete', { id: 'e3' }) },
      { handle: 'd', record: 'not json' },
    ]);
    const seen: unknown[] = [];
    const r = await redriveFailedInvocations(
      q,
      async (e) => {
        seen.push(e);
        if ((e as { id: string }).id === 'e2') throw new Error('ledger still down');
      },
      log,
    );
    expect(seen).toEqual([{ id: 'e1' }, { id: 'e2' }]);
    expect(q.removed).toEqual(['a']);
    expect(r).toEqual({ redriven: 1, failed: 1, skipped: 2 });
    expect(warned).toEqual(['failed invocation redriven, failed again; kept for the next sweep']);
  });

  it('knows the remediate function by its ARN, with or without a qualifier', () => {
    expect(remediatePayload(record('remediate', { id: 'x' }))).toEqual({ id: 'x' });
    expect(
      remediatePayload({
        requestContext: { functionArn: 'arn:aws:lambda:us-east-1:1:function:ssm-remediator-dev-remediate' },
        requestPayload: { id: 'y' },
      }),
    ).toEqual({ id: 'y' });
    expect(remediatePayload(record('reconcile', { id: 'x' }))).toBeUndefined();
    expect(remediatePayload(record('remediate', 'text'))).toBeUndefined();
    expect(remediatePayload(null)).toBeUndefined();
  });
});
