/** The pure pieces of issue 14 items 5-6: manual findings, backfill's targets and findings, the status verdict. */
import entries from 'virtual:runbooks';
import { describe, expect, test } from 'vitest';
import { backfillFinding, backfillTargets } from '../../src/core/backfill.ts';
import { ValidationError } from '../../src/model/errors.ts';
import { manualFinding } from '../../src/core/manual.ts';
import { createRegistry } from '../../src/core/registry.ts';
import { statusReport } from '../../src/core/status.ts';

const registry = createRegistry(entries);
const WHO = 'arn:aws:sts::123456789012:assumed-role/oncall/alice';
const request = (detail: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'e1',
  'detail-type': 'Remediation Requested',
  source: 'ssm-remediator.operator',
  account: '123456789012',
  time: '2026-01-05T09:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { requestedBy: WHO, ...detail },
  ...over,
});

describe('manual findings', () => {
  test('a Config remediation: its rule and resource type, matched alone, who asked in the detail', () => {
    const f = manualFinding(
      request({ remediation: 'restricted-ssh', resourceId: 'sg-0a1b2c3d4e5f67890' }),
      registry,
    );
    expect(f).toMatchObject({
      family: 'config.noncompliant',
      rule: 'restricted-ssh',
      resourceType: 'AWS::EC2::SecurityGroup',
      orderingTime: '2026-01-05T09:00:00Z',
      detail: { requestedBy: WHO, requestedRemediation: 'restricted-ssh', source: 'operator' },
    });
    // Only the named remediation matches, never another one for the same rule.
    expect(registry.matching(f).map((r) => r.id)).toEqual(['restricted-ssh']);
  });

  test('rejected, naming the field: unknown remediation, an instance remediation on a non-instance, a foreign account', () => {
    const field = (e: unknown) => {
      try {
        manualFinding(e, registry, { account: '123456789012', region: 'us-east-1' });
      } catch (x) {
        expect(x).toBeInstanceOf(ValidationError);
        return (x as ValidationError).field;
      }
      return 'accepted';
    };
    expect(field(request({ remediation: 'nope', resourceId: 'sg-1' }))).toBe('detail.remediation');
    expect(field(request({ remediation: 'agent-restart', resourceId: 'sg-0a1b2c3d4e5f67890' }))).toBe(
      'detail.resourceId',
    );
    expect(field(request({ remediation: 'restricted-ssh', resourceId: 'sg-$(reboot)' }))).toBe(
      'detail.resourceId',
    );
    expect(field(request({ remediation: 'restricted-ssh', resourceId: 'sg-1', requestedBy: 'me' }))).toBe(
      'detail.requestedBy',
    );
    expect(
      field(request({ remediation: 'restricted-ssh', resourceId: 'sg-1' }, { account: '999999999999' })),
    ).toBe('account');
  });
});

describe('backfill', () => {
  test('targets: every Config remediation declares its rules; one rule read once', () => {
    const t = backfillTargets(registry);
    expect(t.map((x) => x.rule)).toContain('restricted-ssh');
    expect(new Set(t.map((x) => `${x.rule}|${x.resourceType}`)).size).toBe(t.length);
    for (const r of registry.all().filter((x) => x.trigger === 'config.noncompliant'))
      expect(r.configRules?.length, r.id).toBeGreaterThan(0);
    expect(backfillTargets(registry, ['restricted-ssh'])).toEqual([
      { rule: 'restricted-ssh', resourceType: 'AWS::EC2::SecurityGroup', remediations: ['restricted-ssh'] },
    ]);
    expect(() => backfillTargets(registry, ['nope'])).toThrow('unknown remediation(s): nope');
  });

  test("a finding per evaluation: Config's ordering time, a stable event id, what an event would match", () => {
    const r = {
      rule: 'restricted-ssh',
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId: 'sg-0a1b2c3d4e5f67890',
      orderingTime: '2026-01-01T00:00:00.000Z',
    };
    const where = { account: '123456789012', region: 'us-east-1' };
    const a = backfillFinding(r, where);
    expect(a).toMatchObject({ orderingTime: r.orderingTime, detail: { source: 'backfill' } });
    expect(backfillFinding(r, where).eventId).toBe(a.eventId);
    expect(backfillFinding({ ...r, orderingTime: '2026-01-02T00:00:00.000Z' }, where).eventId).not.toBe(
      a.eventId,
    );
    expect(registry.matching(a).map((x) => x.id)).toEqual(['restricted-ssh']);
  });
});

test('status: what needs attention', () => {
  const base = {
    stage: 'prod',
    now: new Date('2026-01-05T09:00:00Z'),
    remediations: [
      {
        id: 'restricted-ssh',
        trigger: 'config.noncompliant' as const,
        defaultMode: 'auto' as const,
        breaker: { open: false, considered: 0, failures: 0 },
      },
    ],
    startedLastHour: 0,
    budgetPerHour: 50,
    deferralMaxAgeHours: 168,
    trips: [],
    held: [],
    inFlight: [],
    verifying: [],
    queues: [{ name: 'ssm-remediator-prod-slack-dlq', visible: 0, inFlight: 0 }],
  };
  expect(statusReport({ ...base, killSwitch: 'off' }).attention).toEqual([]);
  // Absent is off: the stack does not own the switch, so a deploy never resets it.
  expect(statusReport(base).killSwitch).toEqual({ value: null, state: 'off' });
  const bad = statusReport({
    ...base,
    killSwitch: 'maybe',
    remediations: [
      {
        ...base.remediations[0]!,
        mode: 'autp',
        breaker: { open: true, reason: '3 of 5 failed', considered: 5, failures: 3 },
      },
    ],
    startedLastHour: 50,
    queues: [{ name: 'ssm-remediator-prod-slack-dlq', visible: 2, inFlight: 0 }],
  });
  expect(bad.killSwitch.state).toBe('unreadable');
  expect(bad.attention).toEqual([
    'the kill switch parameter is "maybe": nothing acts (fail closed)',
    'mode of restricted-ssh is "autp": it does not act (fail closed)',
    'circuit breaker of restricted-ssh is open: 3 of 5 failed',
    'hourly budget spent: 50 of 50 executions in the last hour',
    '2 message(s) in ssm-remediator-prod-slack-dlq',
  ]);
});

test('Slack shows who asked for a manual run, from the results-topic message', async () => {
  const { snsMessage } = await import('../../src/adapters/notifier-sns.ts');
  const { notificationFromMessage } = await import('../../src/adapters/slack-digest.ts');
  const { slackMessage } = await import('../../src/adapters/notifier-slack.ts');
  const { parseOutcomeMessage } = await import('../../src/core/digest.ts');
  const outcome = {
    eventId: 'e1',
    outcome: 'started' as const,
    reason: 'start Automation AWS-DisablePublicAccessForSecurityGroup',
    remediation: 'restricted-ssh',
    resourceId: 'sg-0a1b2c3d4e5f67890',
    requestedBy: WHO,
    origin: 'operator' as const,
    actions: [],
    at: '2026-01-05T09:00:00Z',
  };
  const body = JSON.stringify(snsMessage({ outcome, title: 'restricted-ssh started' }));
  expect(JSON.parse(body)).toMatchObject({ requestedBy: WHO, origin: 'operator' });
  const slack = JSON.stringify(slackMessage(notificationFromMessage(parseOutcomeMessage(body))));
  expect(slack).toContain('*Requested by*');
  expect(slack).toContain('assumed-role/oncall/alice');
});
