import { describe, expect, test } from 'vitest';
import { dryRunRemediation } from '../../src/core/dry-run.ts';
import { parseFinding } from '../../src/events/finding.ts';
import restrictedSsh from '../../src/runbooks/restricted-ssh.ts';
import { exampleEvent } from '../helpers/events.ts';

const finding = parseFinding(exampleEvent('config-rules-compliance-change-noncompliant'));

describe('dry run calendars agree with the engine', () => {
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
