/**
 * One acting path (issue 11 item 8): every Automation start in one plan has its own ClientToken. Two
 * starts of one plan that shared a token were one execution to SSM (the second start gave back the
 * first execution), so the second step silently never ran.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { handleEvent } from '../../src/core/engine.ts';
import { createRegistry } from '../../src/core/registry.ts';
import { defineRemediation, startAutomation } from '../../src/core/remediation.ts';
import { clientToken } from '../../src/core/token.ts';
import { configEvent, world, type World, SG } from './world.ts';

let w: World;
afterEach(async () => w?.close());

const twoSteps = defineRemediation({
  id: 'two-steps',
  title: 'Close SSH, then record it',
  trigger: 'config.noncompliant',
  applies: (f) => f.rule === 'restricted-ssh',
  defaultMode: 'auto',
  calendars: [],
  calendarExemption: 'a test remediation: no change calendar in this world',
  documents: [
    { name: 'AWS-DisablePublicAccessForSecurityGroup', type: 'Automation' },
    { name: 'AWS-PublishSNSNotification', type: 'Automation' },
  ],
  permissions: ['ssm:StartAutomationExecution'],
  plan: (f) => [
    startAutomation('AWS-DisablePublicAccessForSecurityGroup', { GroupId: [f.resourceId] }),
    startAutomation('AWS-PublishSNSNotification', { Message: [`closed ${f.resourceId}`] }),
  ],
  examples: [],
});

describe('a plan with two Automation starts', () => {
  it('starts both, each with its own ClientToken; the first keeps the token a one-step plan has', async () => {
    w = await world();
    w.deps.registry = createRegistry([{ file: 'two-steps.ts', remediation: twoSteps }]);
    const ids: string[] = [];
    const start = w.deps.automation.start;
    w.deps.automation = {
      start: async (req) => {
        const r = await start(req);
        ids.push(r.executionId);
        return r;
      },
    };
    const [o] = await handleEvent(configEvent(), w.deps);
    expect(o).toMatchObject({ outcome: 'started', remediation: 'two-steps' });
    expect(w.automations.map((a) => a.document)).toEqual([
      'AWS-DisablePublicAccessForSecurityGroup',
      'AWS-PublishSNSNotification',
    ]);
    const [first, second] = w.automations.map((a) => a.clientToken);
    expect(first).toBe(clientToken('two-steps', SG, '2025-03-04T14:21:55.118Z'));
    expect(second).not.toBe(first);
    expect(second).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Each start is its own execution in the ledger; the outcome names the last one.
    expect(new Set(ids).size).toBe(2);
    const recorded = await Promise.all(ids.map((id) => w.started.ledger.getExecution(id)));
    expect(recorded.map((e) => e?.document)).toEqual(w.automations.map((a) => a.document));
    expect(o!.executionId).toBe(ids[1]);
  });
});
