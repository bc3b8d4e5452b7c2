/** Seeded remediation files and documents for the `remediator check` tests: one mistake each. */

export interface Seed {
  id: string;
  trigger?: string;
  calendars?: string[];
  settings?: Record<string, string>;
  documents?: Array<{ name: string; type: string; file?: string }>;
  permissions?: Array<string | { action: string; resources: string[] }>;
  /** The action the plan returns. */
  kind?: 'startAutomation' | 'sendCommand';
  document?: string;
  parameters?: Record<string, string>;
  /** The outcome the one example expects. */
  outcome?: string;
  title?: string;
  /** The Config rule it answers and the resource type its example reports. */
  rule?: string;
  resourceType?: string;
}

export const SEEDED_RULE = 'seeded-rule';

/** The plan's GroupId: the finding's resource id, validated (what every plan must do with event values). */
export const GROUP_ID = "requireId('securityGroupId', f.resourceId, 'detail.resourceId')";

/** A Config remediation; by default correct (AWS-DisablePublicAccessForSecurityGroup on the group). */
export function remediationSource(s: Seed): string {
  const kind = s.kind ?? 'startAutomation';
  const document = s.document ?? 'AWS-DisablePublicAccessForSecurityGroup';
  const parameters = s.parameters ?? { GroupId: GROUP_ID };
  const params = `{ ${Object.entries(parameters)
    .map(([k, v]) => `${JSON.stringify(k)}: [${v}]`)
    .join(', ')} }`;
  const action =
    kind === 'startAutomation'
      ? `startAutomation(${JSON.stringify(document)}, ${params})`
      : `({ kind: 'sendCommand' as const, document: ${JSON.stringify(document)}, parameters: ${params}, ` +
        `instanceIds: ['i-0123456789abcdef0'], maxConcurrency: '1', maxErrors: '0', timeoutSeconds: 600 })`;
  const documents = s.documents ?? [
    { name: document, type: kind === 'startAutomation' ? 'Automation' : 'Command' },
  ];
  const permissions = s.permissions ?? [
    kind === 'startAutomation' ? 'ssm:StartAutomationExecution' : 'ssm:SendCommand',
  ];
  return `import { requireId } from '../model/ids.ts';
import { defineRemediation, startAutomation, type Remediation } from '../core/remediation.ts';
import { configEvent } from './_examples.ts';

const event = configEvent(${JSON.stringify(s.rule ?? SEEDED_RULE)}, ${JSON.stringify(s.resourceType ?? 'AWS::EC2::SecurityGroup')}, 'sg-0a1b2c3d4e5f67890');
void startAutomation;
void requireId;

export default defineRemediation({
  id: ${JSON.stringify(s.id)},
  title: ${JSON.stringify(s.title ?? 'Seeded remediation')},
  trigger: ${JSON.stringify(s.trigger ?? 'config.noncompliant')} as Remediation['trigger'],
  applies: (f) => f.rule === ${JSON.stringify(s.rule ?? SEEDED_RULE)},
  defaultMode: 'shadow',
  ${s.calendars ? `calendars: ${JSON.stringify(s.calendars)},` : ''}
  ${s.settings ? `settings: ${JSON.stringify(s.settings)},` : ''}
  documents: ${JSON.stringify(documents)} as Remediation['documents'],
  permissions: ${JSON.stringify(permissions)},
  plan: (f) => [${action}],
  examples: [{ name: 'acts on the seeded rule', event, expect: { outcome: ${JSON.stringify(s.outcome ?? 'started')} } }],
});
`;
}

/** A correct command document of ours: one parameter, read as an environment variable. */
export const COMMAND_DOC = `schemaVersion: '2.2'
description: Seeded command document
parameters:
  Target:
    type: String
    description: What to act on
    allowedPattern: '^[a-z0-9-]{1,64}$'
    interpolationType: ENV_VAR
mainSteps:
  - action: aws:runShellScript
    name: act
    inputs:
      runCommand:
        - echo "acting on $SSM_Target"
`;

/** A correct Automation document of ours. */
export const AUTOMATION_DOC = `schemaVersion: '0.3'
description: Seeded automation document
assumeRole: '{{ AutomationAssumeRole }}'
parameters:
  GroupId:
    type: String
    allowedPattern: '^sg-[0-9a-f]{8,17}$'
  AutomationAssumeRole:
    type: String
    default: ''
    allowedPattern: '^(arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@/_-]+)?$'
mainSteps:
  - name: describe
    action: aws:executeAwsApi
    inputs:
      Service: ec2
      Api: DescribeSecurityGroups
      GroupIds: ['{{ GroupId }}']
`;

/** The name of the seeded document of ours. */
export const OURS = 'ssm-remediator-Seeded';
/** A Command remediation with its own document `doc`. */
export const ourCommand = (doc: string, seedOverrides: Partial<Seed> = {}): Record<string, string> => ({
  'seeded-fix.ts': remediationSource({
    id: 'seeded-fix',
    kind: 'sendCommand',
    document: OURS,
    parameters: { Target: "'web-1'" },
    documents: [{ name: OURS, type: 'Command', file: `documents/${OURS}.yaml` }],
    ...seedOverrides,
  }),
  [`documents/${OURS}.yaml`]: doc,
});
/** An Automation remediation with its own document `doc`. */
export const ourAutomation = (doc: string, seedOverrides: Partial<Seed> = {}): Record<string, string> => ({
  'seeded-fix.ts': remediationSource({
    id: 'seeded-fix',
    document: OURS,
    parameters: { GroupId: GROUP_ID },
    documents: [{ name: OURS, type: 'Automation', file: `documents/${OURS}.yaml` }],
    ...seedOverrides,
  }),
  [`documents/${OURS}.yaml`]: doc,
});
/** Just the remediation file. */
export const plain = (s: Seed): Record<string, string> => ({ [`${s.id}.ts`]: remediationSource(s) });
