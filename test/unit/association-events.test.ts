/** association.failed: the two AWS event shapes → one finding per failed run; malformed ones name their field. */
import { describe, expect, test } from 'vitest';
import { ValidationError } from '../../src/model/errors.ts';
import { NotAFindingError, parseFinding } from '../../src/events/finding.ts';
import { exampleEvent, variant } from '../helpers/events.ts';

const stateChange = () => exampleEvent('ssm-instance-association-state-change-failed');
const compliance = () => exampleEvent('ssm-configuration-compliance-association-noncompliant');
type Ev = ReturnType<typeof stateChange>;

function fieldOf(e: unknown): string {
  try {
    parseFinding(e);
  } catch (err) {
    if (err instanceof ValidationError) return err.field;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('association.failed findings', () => {
  test('instance association state change, Failed: the association and the run time', () => {
    expect(parseFinding(stateChange())).toMatchObject({
      family: 'association.failed',
      resourceType: 'AWS::EC2::Instance',
      resourceId: 'i-0fedcba9876543210',
      rule: 'AWS-GatherSoftwareInventory',
      orderingTime: '2025-03-04T03:30:05Z',
      detail: { associationId: '34fcb7e0-9a14-4984-9989-0e04e3f60bd8', source: 'association-state' },
    });
  });
  test('Association compliance non_compliant: the instance only, the same run time', () => {
    const f = parseFinding(compliance());
    expect(f).toMatchObject({
      family: 'association.failed',
      resourceId: 'i-0fedcba9876543210',
      rule: 'Association',
      orderingTime: '2025-03-04T03:30:05Z',
      detail: { source: 'compliance' },
    });
    expect(f.detail).not.toHaveProperty('associationId');
  });
  test('a Patch compliance change is still patch.failed', () => {
    expect(parseFinding(exampleEvent('ssm-configuration-compliance-patch-noncompliant')).family).toBe(
      'patch.failed',
    );
  });
  test('without last-execution-date the event time orders it', () => {
    const e = variant(
      stateChange(),
      (v) => ((v.detail as Record<string, unknown>)['last-execution-date'] = ''),
    );
    expect(parseFinding(e).orderingTime).toBe('2025-03-04T03:30:41Z');
  });
  test.each([
    ['Success', (v: Ev) => ((v.detail as Record<string, unknown>)['status'] = 'Success'), 'detail.status'],
    [
      'compliant',
      (v: Ev) => ((v.detail as Record<string, unknown>)['compliance-status'] = 'compliant'),
      'detail.compliance-status',
    ],
  ])('%s is well-formed but not a finding', (_n, mutate, field) => {
    const base = field === 'detail.status' ? stateChange() : compliance();
    const e = variant(base, mutate);
    expect(fieldOf(e)).toBe(field);
    expect(() => parseFinding(e)).toThrow(NotAFindingError);
  });
});

describe('malformed association events are rejected naming the field', () => {
  test.each([
    [
      'association-id not a UUID',
      (d: Record<string, unknown>) => (d['association-id'] = 'abc'),
      'detail.association-id',
    ],
    [
      'association-id with shell characters',
      (d: Record<string, unknown>) => (d['association-id'] = '$(reboot)'),
      'detail.association-id',
    ],
    ['instance-id missing', (d: Record<string, unknown>) => delete d['instance-id'], 'detail.instance-id'],
    [
      'instance-id of the wrong shape',
      (d: Record<string, unknown>) => (d['instance-id'] = 'i-xyz'),
      'detail.instance-id',
    ],
    ['an unknown status', (d: Record<string, unknown>) => (d['status'] = 'Broken'), 'detail.status'],
    [
      'a document name with spaces',
      (d: Record<string, unknown>) => (d['document-name'] = 'my doc'),
      'detail.document-name',
    ],
    [
      'a last-execution-date that is not a date',
      (d: Record<string, unknown>) => (d['last-execution-date'] = 'yesterday'),
      'detail.last-execution-date',
    ],
  ])('state change: %s', (_n, mutate, field) => {
    const e = variant(stateChange(), (v) => mutate(v.detail as Record<string, unknown>));
    expect(fieldOf(e)).toBe(field);
    expect(() => parseFinding(e)).not.toThrow(NotAFindingError);
  });
  test.each([
    ['resource-id missing', (d: Record<string, unknown>) => delete d['resource-id'], 'detail.resource-id'],
    [
      'resource-id with shell characters',
      (d: Record<string, unknown>) => (d['resource-id'] = 'i-0fedcba9876543210;id'),
      'detail.resource-id',
    ],
    [
      'an unknown compliance-status',
      (d: Record<string, unknown>) => (d['compliance-status'] = 'NON_COMPLIANT'),
      'detail.compliance-status',
    ],
    [
      'a last-runtime that is not a date',
      (d: Record<string, unknown>) => (d['last-runtime'] = 'x'),
      'detail.last-runtime',
    ],
  ])('compliance change: %s', (_n, mutate, field) => {
    const e = variant(compliance(), (v) => mutate(v.detail as Record<string, unknown>));
    expect(fieldOf(e)).toBe(field);
  });
  test('an instance ARN in another account is rejected (strict envelope)', () => {
    const e = variant(stateChange(), (v) => {
      v.resources = ['arn:aws:ec2:us-east-1:210987654321:instance/i-0fedcba9876543210'];
    });
    expect(fieldOf(e)).toBe('resources[0]');
  });
});
