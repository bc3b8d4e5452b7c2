import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dryRunRemediation } from '../../src/core/dry-run.ts';
import { EXAMPLE_STAGE_CALENDARS, factsNeeded } from '../../src/core/facts.ts';
import { parseFinding } from '../../src/events/finding.ts';
import restrictedSsh from '../../src/runbooks/restricted-ssh.ts';
import { exampleEvent, projectRoot } from '../helpers/events.ts';

const finding = parseFinding(exampleEvent('config-rules-compliance-change-noncompliant'));

describe('dry run calendars (compared with the engine itself: test/integration/engine-dry-run.test.ts)', () => {
  test('a remediation that follows the stage default is deferred when the calendar is CLOSED', () => {
    expect(dryRunRemediation(finding, restrictedSsh, { mode: 'auto', calendar: 'CLOSED' }).outcome).toBe(
      'deferred',
    );
  });
  test('a remediation that names no calendar (calendars: []) is never gated', () => {
    const ungated = { ...restrictedSsh, calendars: [] };
    expect(dryRunRemediation(finding, ungated, { mode: 'auto', calendar: 'CLOSED' }).outcome).toBe('started');
  });
});

describe('the dry run decides with the deployed stage calendar', () => {
  test('EXAMPLE_STAGE_CALENDARS is the sandbox stage default in serverless.yml', () => {
    const yml = readFileSync(join(projectRoot, 'serverless.yml'), 'utf8');
    const sandbox = /\n  sandbox:\n    defaultCalendars: (\S+)/.exec(yml)?.[1];
    expect(sandbox?.split(',')).toEqual([...EXAMPLE_STAGE_CALENDARS]);
  });
  test('a stage with no default calendar: the dry run fails closed as the engine does (no-calendar)', () => {
    const d = dryRunRemediation(finding, restrictedSsh, { mode: 'auto', defaultCalendars: [] });
    expect(d).toMatchObject({ outcome: 'skipped', code: 'no-calendar' });
  });
  test('declared needs: only what the remediation and the gates need is given to the plan', () => {
    const sg = factsNeeded(finding, restrictedSsh);
    expect([...sg].sort()).toEqual(['calendar', 'history', 'switches', 'tags']);
  });
});
