/**
 * The convergence verdict as a pure function of the world: each state, and which evidence wins.
 */
import { describe, expect, it } from 'vitest';
import {
  judgeConvergence,
  noticesOf,
  type ConvergenceWorld,
  type WorldFinding,
} from '../../sandbox/scenario/convergence.ts';

const world = (findings: WorldFinding[], over: Partial<ConvergenceWorld> = {}): ConvergenceWorld => ({
  findings,
  compliance: () => 'NON_COMPLIANT',
  patched: () => undefined,
  ping: () => 'ConnectionLost',
  diagnosed: () => undefined,
  running: () => undefined,
  notices: [],
  deferrals: [],
  followed: [],
  queued: () => undefined,
  ...over,
});
const sg = (resource: string, delivered = true): WorldFinding => ({
  trigger: 'config:restricted-ssh',
  resource,
  delivered,
});

describe('convergence', () => {
  it('judges each finding once, from the world: fixed, pending (with why and when), excused, dropped, undelivered', () => {
    const r = judgeConvergence(
      world(
        [sg('sg-fixed'), sg('sg-fixed'), sg('sg-deferred'), sg('sg-queued'), sg('sg-shadow'), sg('sg-lost')],
        {
          compliance: (_rule, res) => (res === 'sg-fixed' ? 'COMPLIANT' : 'NON_COMPLIANT'),
          deferrals: [
            {
              remediationId: 'restricted-ssh',
              resourceId: 'sg-deferred',
              nextTransitionTime: '2026-01-05T12:00:00Z',
            },
          ],
          queued: (res) => (res === 'sg-queued' ? { queue: 'work', messageId: 'm-1' } : undefined),
          notices: [
            { resource: 'sg-shadow', outcome: 'skipped', code: 'shadow', title: 'Close SSH' },
            { resource: 'sg-lost', outcome: 'deferred', code: 'gate-unreadable', title: 'Close SSH' },
          ],
        },
      ),
    );
    expect(r).toMatchObject({ findings: 5, fixed: 1, pending: 2, excused: 1, dropped: 1, undelivered: 0 });
    expect(r.excusedBy).toEqual({ shadow: 1 });
    expect(r.items).toEqual([
      expect.objectContaining({ resource: 'sg-lost', state: 'dropped', code: 'gate-unreadable' }),
      expect.objectContaining({
        resource: 'sg-deferred',
        state: 'pending',
        retryAt: '2026-01-05T12:00:00Z',
      }),
      expect.objectContaining({ resource: 'sg-queued', state: 'pending', why: 'message m-1 in work' }),
    ]);
  });

  it('an execution the ledger still follows is pending: the reconcile sweep will come back to it', () => {
    const r = judgeConvergence(
      world([sg('sg-flight')], {
        followed: [{ executionId: 'x-1', phase: 'verifying', resourceIds: ['sg-flight'] }],
      }),
    );
    expect(r.items).toEqual([
      expect.objectContaining({
        state: 'pending',
        why: 'execution x-1 verifying in the ledger (the reconcile sweep polls it)',
      }),
    ]);
  });

  it('a finding the bus never delivered is undelivered, not dropped; one the service announced a skip for is excused', () => {
    const r = judgeConvergence(
      world([sg('sg-never', false), sg('sg-told', false)], {
        notices: [{ resource: 'sg-told', outcome: 'skipped', code: 'kill-switch', title: 'Close SSH' }],
      }),
    );
    expect(r).toMatchObject({ undelivered: 1, excused: 1, dropped: 0 });
  });

  it('agents: Online again or diagnosed is fixed; a notice about another trigger of the resource does not count', () => {
    const agent = (resource: string): WorldFinding => ({ trigger: 'agent', resource, delivered: true });
    const patch: WorldFinding = { trigger: 'patch', resource: 'i-2', delivered: true };
    const r = judgeConvergence(
      world([agent('i-1'), agent('i-2'), patch], {
        ping: (id) => (id === 'i-1' ? 'Online' : 'ConnectionLost'),
        diagnosed: (id) => (id === 'i-2' ? 'exec-9' : undefined),
        notices: [
          { resource: 'i-2', trigger: 'patch', outcome: 'skipped', code: 'shadow', title: 'Patch fan-out' },
          { resource: 'i-2', trigger: 'agent', outcome: 'succeeded', title: 'Diagnose' },
        ],
      }),
    );
    expect(r).toMatchObject({ fixed: 2, excused: 1, excusedBy: { shadow: 1 }, dropped: 0 });
  });

  it('reads a results-topic message, and a fan-out as one notice per resource with its code', () => {
    expect(
      noticesOf(
        JSON.stringify({
          title: 'Close SSH',
          remediation: 'restricted-ssh',
          resource: { id: 'sg-1' },
          outcome: 'skipped',
          code: 'opted-out',
          eventId: 'e-1',
        }),
      ),
    ).toEqual([
      {
        resource: 'sg-1',
        outcome: 'skipped',
        code: 'opted-out',
        title: 'Close SSH',
        remediation: 'restricted-ssh',
        eventId: 'e-1',
      },
    ]);
    const fanout = noticesOf(
      JSON.stringify({
        title: 'Patch fan-out',
        outcome: 'skipped',
        resource: { id: null },
        outcomes: [
          {
            resourceId: 'i-1',
            outcome: 'skipped',
            code: 'agent-offline',
            reason: 'SSM Agent on i-1 is ConnectionLost: Run Command cannot reach it',
          },
          { resourceId: 'i-2', outcome: 'started', code: null, reason: 'budget allowed; started' },
        ],
      }),
    );
    expect(fanout).toEqual([
      {
        resource: 'i-1',
        outcome: 'skipped',
        code: 'agent-offline',
        trigger: 'patch',
        title: 'Patch fan-out',
      },
      // No code is read into a reason's words.
      { resource: 'i-2', outcome: 'started', trigger: 'patch', title: 'Patch fan-out' },
    ]);
    expect(noticesOf('not json')).toEqual([]);
  });
});
