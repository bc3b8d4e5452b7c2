import { describe, expect, test } from 'vitest';
import { clientToken, uuidV5 } from '../../src/core/token.ts';

describe('ClientToken', () => {
  test('uuidV5 matches RFC 4122 (Python uuid.uuid5(NAMESPACE_DNS, "python.org"))', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
  });
  test('the same finding always gives the same token, in the UUID format SSM enforces', () => {
    const a = clientToken('restricted-ssh', 'sg-0a1b2c3d4e5f67890', '2025-03-04T14:21:55.118Z');
    expect(a).toBe(clientToken('restricted-ssh', 'sg-0a1b2c3d4e5f67890', '2025-03-04T14:21:55.118Z'));
    expect(a).toBe('4fb010f7-577c-565e-81c7-5871487c7f01');
    expect(a).toMatch(/^[a-f0-9]{8}-[a-f0-9]{4}-5[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$/);
  });
  test('each part of the key changes the token', () => {
    const a = clientToken('restricted-ssh', 'sg-0a1b2c3d4e5f67890', '2025-03-04T14:21:55.118Z');
    expect(clientToken('other', 'sg-0a1b2c3d4e5f67890', '2025-03-04T14:21:55.118Z')).not.toBe(a);
    expect(clientToken('restricted-ssh', 'sg-0a1b2c3d4e5f67891', '2025-03-04T14:21:55.118Z')).not.toBe(a);
    expect(clientToken('restricted-ssh', 'sg-0a1b2c3d4e5f67890', '2025-03-05T14:21:55.118Z')).not.toBe(a);
  });
  test("each Automation start of one plan has its own token (step 0 is the one-start plan's token)", () => {
    const key = ['restricted-ssh', 'sg-0a1b2c3d4e5f67890', '2025-03-04T14:21:55.118Z'] as const;
    const steps = [0, 1, 2].map((i) => clientToken(...key, i));
    expect(steps[0]).toBe('4fb010f7-577c-565e-81c7-5871487c7f01');
    expect(new Set(steps).size).toBe(3);
    expect(steps).toEqual([0, 1, 2].map((i) => clientToken(...key, i)));
  });
});
