/**
 * The engine (the deployed `remediate` function, in the sandbox account) and the dry run
 * (`remediator plan`, the runbook examples) decide with one facts builder (src/core/facts.ts): the
 * same events, with the same facts, must end in the same outcome and code.
 */
import entries from 'virtual:runbooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxAccount } from '../../sandbox/account.ts';
import { dryRun, type DryRunFacts } from '../../src/core/dry-run.ts';
import { EXAMPLE_STAGE_CALENDARS } from '../../src/core/facts.ts';
import { createRegistry } from '../../src/core/registry.ts';
import { configEvent, decisions, knownSecurityGroup, startTestAccount } from '../helpers/sandbox.ts';

const registry = createRegistry(entries);
let acct: SandboxAccount;

beforeAll(async () => {
  acct = await startTestAccount();
});
afterAll(async () => acct?.close());
afterEach(() => {
  acct.lambda.updateEnvironment('remediate', { DEFAULT_CALENDARS: EXAMPLE_STAGE_CALENDARS.join(',') });
});

/** The engine's decision for one event, and the dry run's for the same event and facts. */
async function both(sg: string, facts: DryRunFacts, tags: Record<string, string> = {}) {
  knownSecurityGroup(acct, sg, tags);
  const event = configEvent(sg);
  acct.bus.put(event, { via: 'service' });
  await acct.bus.idle();
  const engine = decisions(acct, sg).map((d) => ({ outcome: d['outcome'], code: d['code'] }));
  const dry = dryRun(event, registry, facts).remediations.map((r) => ({ outcome: r.outcome, code: r.code }));
  return { engine, dry };
}

describe('the engine in the sandbox and the dry run decide alike', () => {
  it('the deployed stage calendar (the dry run default), OPEN: both start', async () => {
    expect(acct.deployed.functions['remediate']?.environment['DEFAULT_CALENDARS']).toBe(
      EXAMPLE_STAGE_CALENDARS.join(','),
    );
    const { engine, dry } = await both('sg-00000000000000e01', {});
    expect(engine).toEqual([{ outcome: 'started', code: undefined }]);
    expect(dry).toEqual(engine);
  });

  it('the stage calendar CLOSED: both defer (calendar-closed), as every Config example says', async () => {
    const now = acct.clock.now();
    acct.ssm.addFreeze(
      'engine-dry-run-freeze',
      new Date(now.getTime() - 3_600_000),
      new Date(now.getTime() + 86_400_000),
    );
    acct.lambda.updateEnvironment('remediate', { DEFAULT_CALENDARS: 'engine-dry-run-freeze' });
    const { engine, dry } = await both('sg-00000000000000e02', {
      defaultCalendars: ['engine-dry-run-freeze'],
      calendar: 'CLOSED',
    });
    expect(engine).toEqual([{ outcome: 'deferred', code: 'calendar-closed' }]);
    expect(dry).toEqual(engine);
  });

  it('a stage with no default calendar: both skip (no-calendar), fail closed', async () => {
    acct.lambda.updateEnvironment('remediate', { DEFAULT_CALENDARS: '' });
    const { engine, dry } = await both('sg-00000000000000e03', { defaultCalendars: [] });
    expect(engine).toEqual([{ outcome: 'skipped', code: 'no-calendar' }]);
    expect(dry).toEqual(engine);
  });

  it('an opt-out tag: both skip (opted-out)', async () => {
    const tags = { 'remediation:skip': 'vendor appliance' };
    const { engine, dry } = await both('sg-00000000000000e04', { tags }, tags);
    expect(engine).toEqual([{ outcome: 'skipped', code: 'opted-out' }]);
    expect(dry).toEqual(engine);
  });
});
