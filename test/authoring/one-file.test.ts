/**
 * "Adding a remediation is one file (plus its YAML document)": on a copy of the project, add one
 * remediation with its own command document and change nothing else; `remediator check` passes, the
 * CLI's registry has it, and `serverless package` grants SendCommand on that document and deploys it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { checkCommand } from '../../src/cli/check.ts';
import {
  rolesFor,
  actions,
  copyProject,
  packageService,
  resources,
  roleStatements,
  type Template,
} from '../helpers/package.ts';

const DOC = 'ssm-remediator-ClearPackageLock';

const REMEDIATION = `/** After a failed patch run, clear a stale package-manager lock so the next run can install. */
import { requireId } from '../model/ids.ts';
import { defineRemediation } from '../core/remediation.ts';
import type { SendCommandAction } from '../model/types.ts';

const DOCUMENT = '${DOC}';
const INSTANCE = 'i-0fedcba9876543210';
const COMMAND_ID = '7a1c2e3f-4b5d-4c6e-8f90-a1b2c3d4e5f6';

const send = (instanceId: string, commandId: string): SendCommandAction => ({
  kind: 'sendCommand',
  document: DOCUMENT,
  parameters: { FailedCommandId: [commandId] },
  instanceIds: [instanceId],
  maxConcurrency: '10%',
  maxErrors: '50%',
  timeoutSeconds: 600,
});

const failedRun = (instanceId: string) => ({
  version: '0',
  id: '4780e1b8-f56b-4de5-95f2-95db273d1602',
  'detail-type': 'EC2 Command Invocation Status-change Notification',
  source: 'aws.ssm',
  account: '123456789012',
  time: '2025-03-04T03:41:52Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    'command-id': COMMAND_ID,
    'document-name': 'AWS-RunPatchBaseline',
    'instance-id': instanceId,
    'requested-date-time': '2025-03-04T03:02:11.517Z',
    status: 'Failed',
  },
});

export default defineRemediation({
  id: 'patch-clear-package-lock',
  title: 'Clear a stale package-manager lock after a failed patch run',
  trigger: 'patch.failed',
  applies: (f) => f.rule === 'AWS-RunPatchBaseline' && f.detail.source === 'command-invocation',
  defaultMode: 'shadow',
  documents: [{ name: DOCUMENT, type: 'Command', file: 'documents/${DOC}.yaml' }],
  permissions: ['ssm:SendCommand'],
  plan: (f) =>
    f.detail.source === 'command-invocation'
      ? [send(requireId('managedInstanceId', f.resourceId, 'detail.instance-id'), requireId('commandId', f.detail.commandId, 'detail.command-id'))]
      : [{ kind: 'skip', code: 'no-match', reason: 'not a failed command' }],
  examples: [
    { name: 'failed patch run → clear the lock', event: failedRun(INSTANCE), expect: { outcome: 'started', actions: [send(INSTANCE, COMMAND_ID)] } },
    { name: 'calendar closed → deferred', event: failedRun(INSTANCE), facts: { calendar: 'CLOSED' }, expect: { outcome: 'deferred' } },
  ],
});
`;

const DOCUMENT_YAML = `schemaVersion: '2.2'
description: Removes stale dpkg/yum locks left by a failed patch run (the run's command id is logged).
parameters:
  FailedCommandId:
    type: String
    description: The command id of the failed AWS-RunPatchBaseline run.
    allowedPattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    interpolationType: ENV_VAR
mainSteps:
  - action: aws:runShellScript
    name: clearLock
    precondition:
      StringEquals: [platformType, Linux]
    inputs:
      timeoutSeconds: '120'
      runCommand:
        - echo "clearing package locks after failed run $SSM_FailedCommandId"
        - if ! pgrep -x apt-get >/dev/null && ! pgrep -x yum >/dev/null; then rm -f /var/lib/dpkg/lock-frontend /var/run/yum.pid; fi
`;

let root: string;
let template: Template;

beforeAll(async () => {
  root = copyProject();
  mkdirSync(join(root, 'src/runbooks/documents'), { recursive: true });
  writeFileSync(join(root, 'src/runbooks/patch-clear-package-lock.ts'), REMEDIATION);
  writeFileSync(join(root, `src/runbooks/documents/${DOC}.yaml`), DOCUMENT_YAML);
  template = await packageService(root, join(root, '.package'));
}, 180_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

test('remediator check has nothing to say about the new remediation', async () => {
  const lines: string[] = [];
  await checkCommand([], { out: (s) => lines.push(s), err: (s) => lines.push(s), env: {} }, root);
  expect(lines.filter((l) => l.includes('patch-clear-package-lock') || l.includes(DOC))).toEqual([]);
});

test('the CLI registry has it: remediator plan picks it for a failed patch run', async () => {
  const event = join(root, 'event.json');
  writeFileSync(
    event,
    JSON.stringify({
      version: '0',
      id: 'e1',
      'detail-type': 'EC2 Command Invocation Status-change Notification',
      source: 'aws.ssm',
      account: '123456789012',
      time: '2025-03-04T03:41:52Z',
      region: 'us-east-1',
      resources: [],
      detail: {
        'command-id': '7a1c2e3f-4b5d-4c6e-8f90-a1b2c3d4e5f6',
        'document-name': 'AWS-RunPatchBaseline',
        'instance-id': 'i-0fedcba9876543210',
        'requested-date-time': '2025-03-04T03:02:11.517Z',
        status: 'Failed',
      },
    }),
  );
  const { stdout } = await promisify(execFile)(process.execPath, ['bin/remediator.js', 'plan', event], {
    cwd: root,
  });
  expect(stdout).toContain('patch-clear-package-lock');
  expect(stdout).toContain(`sendCommand ${DOC}`);
});

test('every acting role that runs patch failures may SendCommand on the new document ARN', () => {
  const roles = rolesFor('patch.failed').filter((id) => template.Resources[id]);
  expect(roles.length).toBeGreaterThan(0);
  for (const role of roles) {
    const st = roleStatements(template, role).find(
      (s) => s.Sid === 'RunbookpatchclearpackagelockssmSendCommand',
    );
    expect(st, role).toBeDefined();
    expect(actions(st!)).toEqual(['ssm:SendCommand']);
    expect(resources(st!)).toContainEqual({
      'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:document/${DOC}`,
    });
  }
});

test('the document is deployed as AWS::SSM::Document with its content', () => {
  const doc = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::SSM::Document' && r.Properties?.Name === DOC,
  );
  expect(doc?.Properties).toMatchObject({
    DocumentType: 'Command',
    DocumentFormat: 'YAML',
    Content: { schemaVersion: '2.2', parameters: { FailedCommandId: { interpolationType: 'ENV_VAR' } } },
  });
});
