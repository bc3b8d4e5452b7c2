/**
 * `remediator check` refuses every way a document of ours (or a plan) lets text from outside become
 * code or reach a parameter unchecked (issue 12 item 4): one seeded variant each, reported as
 * `file: field: message`. The first five were caught before issue 12; the rest were not.
 */
import { describe, expect, test } from 'vitest';
import { checkProject, sub } from './check-harness.ts';
import { AUTOMATION_DOC, COMMAND_DOC, OURS, ourAutomation, ourCommand, plain } from './seeds.ts';

const { seed, check } = checkProject();
const RB = 'src/runbooks/seeded-fix.ts';
const DOC = `src/runbooks/documents/${OURS}.yaml`;
const PATTERN = "'^[a-z0-9-]{1,64}$'";
const ECHO = 'echo "acting on $SSM_Target"';

/** The seeded Command document with Target's pattern and the shell line replaced. */
const command = (pattern: string, line: string, plugin = 'aws:runShellScript') =>
  ourCommand(
    sub(sub(sub(COMMAND_DOC, PATTERN, pattern), `- ${ECHO}`, `- ${line}`), 'aws:runShellScript', plugin),
  );
/** The seeded Automation document with one more step. */
const automationStep = (step: string) => ourAutomation(AUTOMATION_DOC + step);
/** The seeded Command document with one more step. */
const commandStep = (step: string) => ourCommand(COMMAND_DOC + step);

/** [variant, files, file, field, a fragment of the message]. */
type Case = [string, Record<string, string>, string, string, string];

const CAUGHT_BEFORE: Case[] = [
  [
    'a parameter without allowedPattern or allowedValues',
    ourCommand(sub(COMMAND_DOC, `    allowedPattern: ${PATTERN}\n`, '')),
    DOC,
    'parameters.Target.allowedPattern',
    'is missing',
  ],
  [
    'an allowedPattern SSM Agent (Go RE2) cannot compile',
    command("'^(?!root)[a-z0-9-]{1,64}$'", ECHO),
    DOC,
    'parameters.Target.allowedPattern',
    'lookahead',
  ],
  [
    '{{ }} pasted into a shell line',
    command(PATTERN, 'echo acting on {{ Target }}'),
    DOC,
    'mainSteps[0].inputs.runCommand[0]',
    'pastes {{ Target }} into a shell line',
  ],
  [
    '{{ }} pasted into a PowerShell line',
    command(PATTERN, 'Write-Output "{{ Target }}"', 'aws:runPowerShellScript'),
    DOC,
    'mainSteps[0].inputs.runCommand[0]',
    'read $env:SSM_Target instead',
  ],
  [
    '$SSM_X read without interpolationType: ENV_VAR',
    ourCommand(sub(COMMAND_DOC, '    interpolationType: ENV_VAR\n', '')),
    DOC,
    'parameters.Target.interpolationType',
    'exists only with interpolationType: ENV_VAR',
  ],
];

const MISSED_BEFORE: Case[] = [
  [
    'a .* allowedPattern on a parameter handed to eval',
    command("'^.*$'", 'eval "$SSM_Target"'),
    DOC,
    'parameters.Target.allowedPattern',
    'hands Target to eval as code',
  ],
  [
    'an unanchored allowedPattern on a parameter handed to sh -c',
    command("'[a-z0-9-]+'", 'sh -c "$SSM_Target"'),
    DOC,
    'parameters.Target.allowedPattern',
    'is not anchored',
  ],
  [
    'an allowedPattern that admits a space, on a parameter handed to bash -c',
    command("'^[a-z0-9 -]{1,64}$'", 'bash -c "systemctl restart $SSM_Target"'),
    DOC,
    'parameters.Target.allowedPattern',
    'admits " ", and mainSteps[0].inputs.runCommand[0] hands Target to bash -c as code',
  ],
  [
    'a negated-class allowedPattern on a parameter handed to Invoke-Expression',
    command("'^[^/]{1,64}$'", 'Invoke-Expression $env:SSM_Target', 'aws:runPowerShellScript'),
    DOC,
    'parameters.Target.allowedPattern',
    'to Invoke-Expression as code',
  ],
  [
    'an unanchored allowedPattern (any parameter)',
    command("'[a-z0-9-]{1,64}'", ECHO),
    DOC,
    'parameters.Target.allowedPattern',
    'is not anchored',
  ],
  [
    'a top-level alternation that anchors one side only',
    command("'^web-[0-9]+|db-[0-9]+$'", ECHO),
    DOC,
    'parameters.Target.allowedPattern',
    'top-level |',
  ],
  [
    '{{ }} pasted into an aws:executeScript Script',
    automationStep(`  - name: script
    action: aws:executeScript
    inputs:
      Runtime: python3.11
      Handler: handler
      Script: |
        def handler(events, context):
          return "{{ GroupId }}"
`),
    DOC,
    'mainSteps[1].inputs.Script',
    'pastes {{ GroupId }} into the script',
  ],
  [
    'an aws:executeScript that runs its InputPayload through a shell',
    automationStep(`  - name: script
    action: aws:executeScript
    inputs:
      Runtime: python3.11
      Handler: handler
      InputPayload:
        GroupId: '{{ GroupId }}'
      Script: |
        import subprocess
        def handler(events, context):
          subprocess.run("aws ec2 describe-security-groups --group-ids " + events["GroupId"], shell=True)
`),
    DOC,
    'mainSteps[1].inputs.Script',
    'runs text as code or through a shell (shell=True)',
  ],
  [
    'an InputPayload written as a JSON string with {{ }}',
    automationStep(`  - name: script
    action: aws:executeScript
    inputs:
      Runtime: python3.11
      Handler: handler
      InputPayload: '{"GroupId": "{{ GroupId }}"}'
      Script: |
        def handler(events, context):
          return events["GroupId"]
`),
    DOC,
    'mainSteps[1].inputs.InputPayload',
    'into a JSON string',
  ],
  [
    '{{ }} in the commands of an aws:runCommand step',
    automationStep(`  - name: run
    action: aws:runCommand
    inputs:
      DocumentName: AWS-RunShellScript
      InstanceIds: ['i-0123456789abcdef0']
      Parameters:
        commands:
          - 'iptables -A INPUT -m comment --comment {{ GroupId }} -j ACCEPT'
`),
    DOC,
    'mainSteps[1].inputs.Parameters.commands[0]',
    'pastes {{ GroupId }} into the commands a shell runs',
  ],
  [
    '{{ }} in the documentParameters of an aws:runDocument step',
    commandStep(`  - action: aws:runDocument
    name: nested
    inputs:
      documentType: SSMDocument
      documentPath: AWS-RunShellScript
      documentParameters: '{"commands": ["echo {{ Target }}"]}'
`),
    DOC,
    'mainSteps[1].inputs.documentParameters',
    'pastes {{ Target }} into a JSON string',
  ],
  [
    '{{ }} in the commands of an aws:runDocument mapping',
    commandStep(`  - action: aws:runDocument
    name: nested
    inputs:
      documentType: SSMDocument
      documentPath: AWS-RunShellScript
      documentParameters:
        commands: ['echo {{ Target }}']
`),
    DOC,
    'mainSteps[1].inputs.documentParameters.commands[0]',
    'pastes {{ Target }} into the commands a shell runs',
  ],
  [
    'a workingDirectory built from a parameter',
    ourCommand(
      sub(COMMAND_DOC, '    inputs:\n', "    inputs:\n      workingDirectory: '/srv/{{ Target }}'\n"),
    ),
    DOC,
    'mainSteps[0].inputs.workingDirectory',
    'is built from parameter Target',
  ],
  [
    'a workingDirectory parameter of an aws:runCommand step',
    automationStep(`  - name: run
    action: aws:runCommand
    inputs:
      DocumentName: AWS-RunShellScript
      InstanceIds: ['i-0123456789abcdef0']
      Parameters:
        commands: ['ls']
        workingDirectory: '{{ GroupId }}'
`),
    DOC,
    'mainSteps[1].inputs.Parameters.workingDirectory',
    'is built from parameter GroupId',
  ],
  [
    'an event value passed to a parameter without requireId',
    plain({ id: 'seeded-fix', parameters: { GroupId: 'f.resourceId' } }),
    RB,
    'examples[0]: plan().actions[0].parameters.GroupId',
    'takes event value detail.resourceId unvalidated',
  ],
  [
    'an envelope field (the event id) passed on with String()',
    ourCommand(COMMAND_DOC, { parameters: { Target: 'String(f.eventId)' } }),
    RB,
    'examples[0]: plan().actions[0].parameters.Target',
    'takes event value id unvalidated',
  ],
];

describe('check refuses each unsafe document or plan, naming the file and the field', () => {
  test.each([...CAUGHT_BEFORE, ...MISSED_BEFORE])('%s', async (_variant, files, file, field, fragment) => {
    seed(files);
    const { code, lines } = await check();
    expect(code).toBe(1);
    const prefix = `${file}: ${field}: `;
    expect(
      lines.some((l) => l.startsWith(prefix) && l.includes(fragment)),
      `expected a line "${prefix}…${fragment}…" in:\n${lines.join('\n')}`,
    ).toBe(true);
  });
});

describe('the safe way to write each passes', () => {
  const SAFE: Array<[string, Record<string, string>]> = [
    ['eval of a parameter limited to allowedValues', command("'^(start|stop)$'", 'eval "$SSM_Target"')],
    [
      'an executeScript that reads its InputPayload as data',
      automationStep(`  - name: script
    action: aws:executeScript
    inputs:
      Runtime: python3.11
      Handler: handler
      InputPayload:
        GroupId: '{{ GroupId }}'
      Script: |
        import boto3
        def handler(events, context):
          return boto3.client("ec2").describe_security_groups(GroupIds=[events["GroupId"]])["SecurityGroups"][0]["GroupId"]
`),
    ],
    [
      'an aws:runCommand step that passes {{ }} as a whole parameter of our own document',
      automationStep(`  - name: run
    action: aws:runCommand
    inputs:
      DocumentName: ssm-remediator-Other
      InstanceIds: ['i-0123456789abcdef0']
      Parameters:
        Target: '{{ GroupId }}'
`),
    ],
  ];
  test.each(SAFE)('%s', async (_name, files) => {
    seed(files);
    const { lines } = await check();
    expect(lines.filter((l) => l.includes('seeded-fix') || l.includes(OURS))).toEqual([]);
  });
});
