/**
 * One remediation file is enough, and `remediator check` says when it is not (issue 15 item 5): a
 * resource type with no ARN builder (the opt-out gate could not read its tags), and an AWS-owned
 * document checked against what the remediation file itself declares.
 */
import { expect, test } from 'vitest';
import { checkProject } from './check-harness.ts';
import { remediationSource, type Seed } from './seeds.ts';

const { seed, check } = checkProject();
const RB = 'src/runbooks/seeded-fix.ts';

test('a resource type with no ARN builder is refused, naming the one table', async () => {
  seed({ 'seeded-fix.ts': remediationSource({ id: 'seeded-fix', resourceType: 'AWS::RDS::DBInstance' }) });
  const { code, lines } = await check();
  expect(code).toBe(1);
  expect(lines).toContainEqual(
    expect.stringMatching(
      /^src\/runbooks\/seeded-fix\.ts: examples\[0\]\.event: .*AWS::RDS::DBInstance has no ARN builder.*src\/core\/resource-arns\.ts/,
    ),
  );
});

test('a mapped resource type passes', async () => {
  seed({ 'seeded-fix.ts': remediationSource({ id: 'seeded-fix' }) });
  const { code, lines } = await check();
  expect(lines.filter((l) => l.startsWith(RB))).toEqual([]);
  expect(code).toBe(0);
});

const NEW_DOC = 'AWS-SomethingNew';
const withDoc = (parameters?: Record<string, { required?: boolean }>): Seed =>
  ({
    id: 'seeded-fix',
    document: NEW_DOC,
    parameters: { GroupId: "requireId('securityGroupId', f.resourceId, 'detail.resourceId')" },
    documents: [
      {
        name: NEW_DOC,
        type: 'Automation',
        ...(parameters ? { parameters } : {}),
        assumeRole: [
          { action: 'ec2:RevokeSecurityGroupIngress', resources: ['arn:aws:ec2:*:*:security-group/*'] },
        ],
      },
    ],
  }) as unknown as Seed;

test('an AWS document the remediation file declares needs no other table', async () => {
  seed({ 'seeded-fix.ts': remediationSource(withDoc({ GroupId: { required: true } })) });
  const { lines } = await check();
  expect(lines.filter((l) => l.startsWith(RB))).toEqual([]);
});

test('its plan is checked against what the file declares', async () => {
  seed({ 'seeded-fix.ts': remediationSource(withDoc({ SecurityGroupId: { required: true } })) });
  const { lines } = await check();
  const mine = lines.filter((l) => l.startsWith(RB)).join('\n');
  expect(mine).toMatch(/GroupId/);
  expect(mine).toMatch(/SecurityGroupId/);
});

test('an AWS document declared nowhere is refused', async () => {
  seed({ 'seeded-fix.ts': remediationSource(withDoc()) });
  const { lines } = await check();
  expect(lines).toContainEqual(expect.stringContaining(`"${NEW_DOC}" is not a known AWS-owned document`));
});
