/**
 * `remediator check`: one seeded bad remediation (or document) per mistake, each asserting that a
 * `file: field: message` line names the file and the field; and exit 0 on the tree as committed,
 * through the real CLI.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../helpers/package.ts';
import { checkProject, sub } from './check-harness.ts';
import {
  AUTOMATION_DOC,
  COMMAND_DOC,
  GROUP_ID,
  OURS,
  ourAutomation,
  ourCommand,
  plain,
  remediationSource,
} from './seeds.ts';

const run = promisify(execFile);
const project = checkProject();
const { seed, check } = project;
let root = '';
beforeAll(() => {
  root = project.root();
});

const RB = 'src/runbooks/seeded-fix.ts';
const DOC = `src/runbooks/documents/${OURS}.yaml`;

const START = 'ssm:StartAutomationExecution';
const ROLE_ARN = 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/remediation';
const SG_ARN = 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/*';

/** [mistake, files to seed, file, field, a fragment of the message]. */
const CASES: Array<[string, Record<string, string>, string, string, string]> = [
  [
    'duplicate ids',
    { 'restricted-ssh-again.ts': remediationSource({ id: 'restricted-ssh' }) },
    'src/runbooks/restricted-ssh.ts',
    'id',
    'duplicate id "restricted-ssh"',
  ],
  [
    'an id that does not match its file name',
    { 'seeded-fix.ts': remediationSource({ id: 'seeded-fixx' }) },
    RB,
    'id',
    'does not match the file name (expected "seeded-fix")',
  ],
  [
    'an id that is not kebab-case',
    { 'seeded-fix.ts': remediationSource({ id: 'Seeded_Fix' }) },
    RB,
    'id',
    'must be kebab-case',
  ],
  [
    'TODO left in the title',
    plain({ id: 'seeded-fix', title: 'TODO: say what this remediation fixes' }),
    RB,
    'title',
    'still has placeholder text "TODO"',
  ],
  [
    'a placeholder left in the title',
    plain({ id: 'seeded-fix', title: 'Fix <resource name>' }),
    RB,
    'title',
    'still has placeholder text "<resource name>"',
  ],
  [
    'a resource type its Config rule does not evaluate',
    plain({ id: 'seeded-fix', rule: 's3-bucket-versioning-enabled' }),
    RB,
    'examples[0].event.detail.resourceType',
    'AWS::EC2::SecurityGroup does not fit Config rule "s3-bucket-versioning-enabled", which evaluates AWS::S3::Bucket',
  ],
  [
    'an unknown trigger family',
    plain({ id: 'seeded-fix', trigger: 'config.changed' }),
    RB,
    'trigger',
    'unknown trigger family "config.changed"',
  ],
  [
    'an example that fails',
    plain({ id: 'seeded-fix', outcome: 'deferred' }),
    RB,
    'examples[0]',
    'expected deferred',
  ],
  [
    'an unknown AWS-owned document',
    plain({ id: 'seeded-fix', document: 'AWS-DoesNotExist' }),
    RB,
    'documents[0].name',
    '"AWS-DoesNotExist" is not a known AWS-owned document',
  ],
  [
    'a parameter the AWS-owned document lacks',
    plain({ id: 'seeded-fix', parameters: { GroupId: GROUP_ID, GroupIds: GROUP_ID } }),
    RB,
    'examples[0]: plan().actions[0].parameters.GroupIds',
    'AWS-DisablePublicAccessForSecurityGroup declares no parameter "GroupIds"',
  ],
  [
    'a required parameter of an AWS-owned document the plan omits',
    plain({ id: 'seeded-fix', parameters: { IpAddressToBlock: "'0.0.0.0/0'" } }),
    RB,
    'examples[0]: plan().actions[0].parameters',
    'requires "GroupId"',
  ],
  [
    'a parameter our document lacks',
    ourCommand(COMMAND_DOC, { parameters: { Target: "'web-1'", Extra: "'x'" } }),
    RB,
    'examples[0]: plan().actions[0].parameters.Extra',
    `${OURS} declares no parameter "Extra"`,
  ],
  [
    'a required parameter of our document the plan omits',
    ourCommand(COMMAND_DOC, { parameters: {} }),
    RB,
    'examples[0]: plan().actions[0].parameters',
    'requires "Target"',
  ],
  [
    'an Automation document with the wrong schemaVersion',
    ourAutomation(sub(AUTOMATION_DOC, "schemaVersion: '0.3'", "schemaVersion: '2.2'")),
    DOC,
    'schemaVersion',
    "must be '0.3'",
  ],
  [
    'an unquoted schemaVersion',
    ourAutomation(sub(AUTOMATION_DOC, "schemaVersion: '0.3'", 'schemaVersion: 0.3')),
    DOC,
    'schemaVersion',
    "must be the string '0.3'",
  ],
  [
    'an Automation step name outside [a-zA-Z0-9_]',
    ourAutomation(sub(AUTOMATION_DOC, 'name: describe', 'name: describe-groups')),
    DOC,
    'mainSteps[0].name',
    'must match ^[a-zA-Z0-9_]+$',
  ],
  [
    'two steps with the same name',
    ourAutomation(
      AUTOMATION_DOC + '  - name: describe\n    action: aws:sleep\n    inputs:\n      Duration: PT1M\n',
    ),
    DOC,
    'mainSteps[1].name',
    'step names must be unique',
  ],
  [
    'an unknown Automation action',
    ourAutomation(sub(AUTOMATION_DOC, 'aws:executeAwsApi', 'aws:callApi')),
    DOC,
    'mainSteps[0].action',
    '"aws:callApi" is not a known Automation action',
  ],
  [
    'an Automation parameter of an unknown type',
    ourAutomation(sub(AUTOMATION_DOC, 'type: String', 'type: Number')),
    DOC,
    'parameters.GroupId.type',
    '"Number" is not a Automation parameter type',
  ],
  [
    'a Command parameter of a type only Automation has',
    ourCommand(sub(COMMAND_DOC, 'type: String', 'type: Integer')),
    DOC,
    'parameters.Target.type',
    '(String, StringList)',
  ],
  [
    'an unknown Command plugin',
    ourCommand(sub(COMMAND_DOC, 'aws:runShellScript', 'aws:runBashScript')),
    DOC,
    'mainSteps[0].action',
    'is not a known Command plugin',
  ],
  [
    'a parameter without allowedPattern',
    ourCommand(sub(COMMAND_DOC, "    allowedPattern: '^[a-z0-9-]{1,64}$'\n", '')),
    DOC,
    'parameters.Target.allowedPattern',
    'is missing',
  ],
  [
    'an allowedPattern that does not compile',
    ourCommand(sub(COMMAND_DOC, "'^[a-z0-9-]{1,64}$'", "'^[a-z0-9-{1,64}$'")),
    DOC,
    'parameters.Target.allowedPattern',
    'does not compile',
  ],
  [
    'an allowedPattern with a lookahead (not RE2)',
    ourCommand(sub(COMMAND_DOC, "'^[a-z0-9-]{1,64}$'", "'^(?!admin)[a-z0-9-]{1,64}$'")),
    DOC,
    'parameters.Target.allowedPattern',
    'lookahead',
  ],
  [
    'an allowedPattern with a backreference (not RE2)',
    ourCommand(sub(COMMAND_DOC, "'^[a-z0-9-]{1,64}$'", "'^([a-z])\\1[a-z0-9-]{1,62}$'")),
    DOC,
    'parameters.Target.allowedPattern',
    'backreference',
  ],
  [
    'a parameter pasted into a shell line',
    ourCommand(sub(COMMAND_DOC, 'echo "acting on $SSM_Target"', 'echo acting on {{ Target }}')),
    DOC,
    'mainSteps[0].inputs.runCommand[0]',
    'pastes {{ Target }} into a shell line',
  ],
  [
    '$SSM_X read without interpolationType: ENV_VAR',
    ourCommand(sub(COMMAND_DOC, '    interpolationType: ENV_VAR\n', '')),
    DOC,
    'parameters.Target.interpolationType',
    'exists only with interpolationType: ENV_VAR',
  ],
  [
    'an example event of another trigger family',
    plain({ id: 'seeded-fix', trigger: 'association.failed' }),
    RB,
    'examples[0].event',
    "is a config.noncompliant event; this remediation's trigger is association.failed",
  ],
  [
    'startAutomation without ssm:StartAutomationExecution',
    plain({ id: 'seeded-fix', permissions: ['ssm:GetCalendarState'] }),
    RB,
    'permissions',
    'needs "ssm:StartAutomationExecution"',
  ],
  [
    'sendCommand without ssm:SendCommand',
    ourCommand(COMMAND_DOC, { permissions: [] }),
    RB,
    'permissions',
    'needs "ssm:SendCommand"',
  ],
  [
    'a wildcard permission',
    plain({ id: 'seeded-fix', permissions: ['ssm:StartAutomationExecution', 'ssm:*'] }),
    RB,
    'permissions[1]',
    'no wildcard',
  ],
  ...(
    [
      ['the wildcard action *', '*'],
      ['a service wildcard ec2:*', 'ec2:*'],
      ['a prefix wildcard ec2:Describe*', 'ec2:Describe*'],
    ] as const
  ).map(([name, action]): (typeof CASES)[number] => [
    name,
    plain({ id: 'seeded-fix', permissions: [START, action] }),
    RB,
    'permissions[1]',
    'no wildcard',
  ]),
  [
    'iam:PassRole declared',
    plain({ id: 'seeded-fix', permissions: [START, 'iam:PassRole'] }),
    RB,
    'permissions[1]',
    '"iam:PassRole" may not be declared',
  ],
  [
    'iam:PassRole declared with resources',
    plain({ id: 'seeded-fix', permissions: [START, { action: 'iam:PassRole', resources: [ROLE_ARN] }] }),
    RB,
    'permissions[1].action',
    '"iam:PassRole" may not be declared',
  ],
  [
    'an extra permission that names no resources',
    plain({ id: 'seeded-fix', permissions: [START, 'ec2:RevokeSecurityGroupIngress'] }),
    RB,
    'permissions[1]',
    '"ec2:RevokeSecurityGroupIngress" names no resources',
  ],
  [
    'an extra permission on * though the action has a resource type',
    plain({
      id: 'seeded-fix',
      permissions: [START, { action: 'ec2:RevokeSecurityGroupIngress', resources: ['*'] }],
    }),
    RB,
    'permissions[1].resources[0]',
    '"*" is allowed only for actions that support no resource type',
  ],
  [
    'an extra permission with an empty resource list',
    plain({
      id: 'seeded-fix',
      permissions: [START, { action: 'ec2:RevokeSecurityGroupIngress', resources: [] }],
    }),
    RB,
    'permissions[1].resources',
    'must name at least one resource ARN',
  ],
  [
    'an extra permission whose resource is not an ARN',
    plain({
      id: 'seeded-fix',
      permissions: [START, { action: 'ec2:RevokeSecurityGroupIngress', resources: ['sg-1'] }],
    }),
    RB,
    'permissions[1].resources[0]',
    '"sg-1" is not a resource ARN',
  ],
  [
    'a document used by the plan but not declared',
    plain({ id: 'seeded-fix', documents: [{ name: 'AWS-RestartEC2Instance', type: 'Automation' }] }),
    RB,
    'examples[0]: plan().actions[0].document',
    '"AWS-DisablePublicAccessForSecurityGroup" is not declared in documents',
  ],
  [
    'an action whose kind does not fit the document type',
    plain({
      id: 'seeded-fix',
      documents: [{ name: 'AWS-DisablePublicAccessForSecurityGroup', type: 'Command' }],
    }),
    RB,
    'documents[0].type',
    'is an Automation document, not Command',
  ],
  [
    'a malformed calendar name',
    plain({ id: 'seeded-fix', calendars: ['change freeze!'] }),
    RB,
    'calendars[0]',
    '"change freeze!" is not a calendar name',
  ],
  [
    'an approval timeout that is not a duration',
    plain({ id: 'seeded-fix', settings: { approvalTimeout: '1 hour' } }),
    RB,
    'settings.approvalTimeout',
    '"1 hour" is not a duration',
  ],
  [
    'a document of ours with an AWS-reserved prefix',
    {
      'seeded-fix.ts': remediationSource({
        id: 'seeded-fix',
        kind: 'sendCommand',
        document: 'AWSSupport-SeededFix',
        parameters: { Target: "'web-1'" },
        documents: [
          { name: 'AWSSupport-SeededFix', type: 'Command', file: 'documents/AWSSupport-SeededFix.yaml' },
        ],
      }),
      'documents/AWSSupport-SeededFix.yaml': COMMAND_DOC,
    },
    RB,
    'documents[0].name',
    'a prefix AWS reserves',
  ],
  [
    'a document file named differently from the document',
    {
      ...ourCommand(COMMAND_DOC, {
        documents: [{ name: OURS, type: 'Command', file: 'documents/seeded.yaml' }],
      }),
      'documents/seeded.yaml': COMMAND_DOC,
    },
    RB,
    'documents[0].file',
    `must be "documents/${OURS}.yaml"`,
  ],
  [
    'a document of ours that does not exist',
    { 'seeded-fix.ts': ourCommand(COMMAND_DOC)['seeded-fix.ts']! },
    RB,
    'documents[0].file',
    'does not exist',
  ],
  [
    'a document file no remediation declares',
    { [`documents/${OURS}.yaml`]: COMMAND_DOC },
    DOC,
    '(file)',
    'never deployed',
  ],
  [
    'a file that does not export a remediation',
    { 'seeded-fix.ts': 'export default { id: "seeded-fix" };\n' },
    RB,
    'title',
    'must be a non-empty string',
  ],
];

describe('remediator check finds each mistake, naming the file and the field', () => {
  test.each(CASES)('%s', async (_mistake, files, file, field, fragment) => {
    seed(files);
    const { code, lines } = await check();
    expect(code).toBe(1);
    const prefix = `${file}: ${field}: `;
    expect(
      lines.some((l) => l.startsWith(prefix) && l.includes(fragment)),
      `expected a line "${prefix}…${fragment}…" in:\n${lines.join('\n')}`,
    ).toBe(true);
  });

  test.each([
    ['command', ourCommand(COMMAND_DOC)],
    ['Automation', ourAutomation(AUTOMATION_DOC)],
  ])('a correct remediation with its own %s document passes', async (_kind, files) => {
    seed(files);
    const { lines } = await check();
    expect(lines.filter((l) => l.includes('seeded-fix') || l.includes(OURS))).toEqual([]);
  });

  test('declared extra permissions with resource ARNs, and unscoped describes, pass', async () => {
    seed(
      plain({
        id: 'seeded-fix',
        permissions: [
          START,
          'ec2:DescribeSecurityGroups',
          { action: 'ec2:RevokeSecurityGroupIngress', resources: [SG_ARN] },
        ],
      }),
    );
    const { lines } = await check();
    expect(lines.filter((l) => l.includes('seeded-fix'))).toEqual([]);
  });

  test('an example with a wrong expectation is reported even when the rest is right', async () => {
    seed(ourAutomation(AUTOMATION_DOC, { outcome: 'skipped' }));
    const { code, lines } = await check();
    expect(code).toBe(1);
    expect(lines.filter((l) => l.startsWith(RB))).toEqual([
      expect.stringMatching(/^src\/runbooks\/seeded-fix\.ts: examples\[0\]: .*expected skipped/),
    ]);
  });
});

test('the tree as committed (git HEAD) passes, through the real CLI', async () => {
  // HEAD, not the working tree: other work in progress must not decide this test. In CI they are the same.
  const committed = mkdtempSync(join(tmpdir(), 'remediator-head-'));
  try {
    const archive = await run('git', ['archive', '--format=tar', '-o', join(committed, 'head.tar'), 'HEAD'], {
      cwd: projectRoot,
    });
    expect(archive.stderr).toBe('');
    await run('tar', ['-xf', 'head.tar'], { cwd: committed });
    symlinkSync(join(projectRoot, 'node_modules'), join(committed, 'node_modules'), 'dir');
    const { stdout } = await run(process.execPath, ['bin/remediator.js', 'check'], { cwd: committed });
    expect(stdout).toMatch(/^remediator check: \d+ remediation\(s\), no problems$/m);
  } finally {
    rmSync(committed, { recursive: true, force: true });
  }
});

test('check exits 1 and prints file: field: message through the real CLI', async () => {
  seed(plain({ id: 'seeded-fix', trigger: 'config.changed' }));
  const cli = run(process.execPath, ['bin/remediator.js', 'check'], { cwd: root });
  await expect(cli).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringContaining(
      'src/runbooks/seeded-fix.ts: trigger: unknown trigger family "config.changed"',
    ),
  });
});
