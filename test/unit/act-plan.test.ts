/** The one acting path's pure parts: plans with their tokens and records, and the one severity order. */
import entries from 'virtual:runbooks';
import { describe, expect, test } from 'vitest';
import {
  decisionPlan,
  executionRecord,
  TAG_EVENT,
  TAG_FINDING,
  TAG_RULE,
  findingTag,
  TAG_REMEDIATION,
  TAG_RESOURCE,
} from '../../src/core/act-plan.ts';
import { parseRecoveryTags } from '../../src/core/recovery.ts';
import { commandPlan, planFanout, type FanoutCandidate } from '../../src/core/fanout-plan.ts';
import { createRegistry } from '../../src/core/registry.ts';
import { SEVERITY, mostSevere } from '../../src/core/severity.ts';
import { clientToken } from '../../src/core/token.ts';
import type { DecidedOutcome, Finding, OutcomeKind } from '../../src/model/types.ts';

const registry = createRegistry(entries);
const sshFix = registry.get('restricted-ssh')!;
const patch = registry.get('patch-baseline-install')!;

const finding = (
  resourceId: string,
  orderingTime: string,
  family: Finding['family'] = 'patch.failed',
): Finding =>
  ({
    eventId: `e-${resourceId}`,
    family,
    resourceType: 'AWS::EC2::Instance',
    resourceId,
    account: '123456789012',
    region: 'us-east-1',
    time: orderingTime,
    orderingTime,
    detail: { source: 'compliance' },
  }) as Finding;
const base = (f: Finding): DecidedOutcome => ({
  eventId: f.eventId,
  outcome: 'started',
  reason: 'decided',
  actions: [],
});

describe('decisionPlan', () => {
  test('each Automation start has its own ClientToken, by its step; tags name remediation, resource and event', () => {
    const f = finding('sg-0a1b2c3d4e5f67890', '2025-03-04T14:21:55.118Z', 'config.noncompliant');
    const plan = decisionPlan({ finding: f, remediation: sshFix, outcome: base(f) }, [
      { kind: 'startAutomation', document: 'A', parameters: {} },
      { kind: 'skip', code: 'shadow', reason: 'not an SSM call' },
      { kind: 'startAutomation', document: 'B', parameters: {} },
    ]);
    expect(plan.calls.map((c) => c.kind)).toEqual(['automation', 'automation']);
    const tokens = plan.calls.map((c) => (c.kind === 'automation' ? c.request.clientToken : ''));
    expect(tokens).toEqual([0, 1].map((i) => clientToken('restricted-ssh', f.resourceId, f.orderingTime, i)));
    expect(plan.calls[0]!.kind === 'automation' && plan.calls[0]!.request.tags).toEqual({
      [TAG_REMEDIATION]: 'restricted-ssh',
      [TAG_RESOURCE]: f.resourceId,
      [TAG_EVENT]: f.eventId,
      [TAG_FINDING]: findingTag(f),
      ...(f.rule ? { [TAG_RULE]: f.rule } : {}),
    });
    // What recovery needs to rebuild the execution's record, in the tags.
    expect(
      parseRecoveryTags(plan.calls[0]!.kind === 'automation' ? plan.calls[0]!.request.tags : {}),
    ).toMatchObject({
      remediationId: 'restricted-ssh',
      resourceId: f.resourceId,
      eventId: f.eventId,
      family: f.family,
      findingTime: f.orderingTime,
      resourceType: f.resourceType,
    });
  });
});

describe('executionRecord', () => {
  test("a shared command is named by its earliest finding and keeps each finding's time", () => {
    const fs = [finding('i-2', '2025-03-04T03:00:02Z'), finding('i-1', '2025-03-04T03:00:01Z')];
    const cands: FanoutCandidate[] = fs.map((f, n) => ({
      recordId: `r${n}`,
      finding: f,
      remediation: patch,
      decision: {
        gates: [],
        verdict: 'act',
        outcome: { ...base(f), remediation: patch.id },
        actions: [
          {
            kind: 'sendCommand',
            document: 'AWS-RunPatchBaseline',
            parameters: {},
            instanceIds: [f.resourceId],
            maxConcurrency: '1',
            maxErrors: '0',
            timeoutSeconds: 600,
          },
        ],
      },
    }));
    const [cmd] = planFanout(cands).commands;
    const plan = commandPlan(cmd!);
    expect(plan.members.map((m) => m.recordId)).toEqual(['r0', 'r1']);
    const rec = executionRecord(plan, plan.calls[0]!, 'c-1', '2025-03-04T03:01:00Z');
    expect(rec).toMatchObject({
      executionId: 'c-1',
      kind: 'command',
      resourceIds: ['i-2', 'i-1'],
      findingTime: '2025-03-04T03:00:01Z',
      eventId: 'e-i-1',
      findingTimes: { 'i-1': '2025-03-04T03:00:01Z', 'i-2': '2025-03-04T03:00:02Z' },
    });
    // One finding's own plan carries no findingTimes (its findingTime is the key).
    const single = decisionPlan(plan.members[0]!, cands[0]!.decision.actions);
    expect(executionRecord(single, single.calls[0]!, 'c-2', 'now').findingTimes).toBeUndefined();
  });
});

describe('the one severity order', () => {
  test('failed > rejected > deferred > started > skipped > succeeded; the first of the most severe heads', () => {
    expect(SEVERITY).toEqual(['failed', 'rejected', 'deferred', 'started', 'skipped', 'succeeded']);
    const o = (outcome: OutcomeKind, eventId: string) => ({ outcome, eventId });
    expect(mostSevere([o('succeeded', 'a'), o('skipped', 'b')])?.eventId).toBe('b');
    expect(mostSevere([o('started', 'a'), o('failed', 'b'), o('failed', 'c')])?.eventId).toBe('b');
    expect(mostSevere([])).toBeUndefined();
  });
});
