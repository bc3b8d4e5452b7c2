/**
 * `agent-reboot` says what it does (issue 12 item 6): it reboots the instance in place through EC2
 * RebootInstances (our own Automation document), not AWS-RestartEC2Instance, which stops then starts
 * it (losing instance-store data and a public IP that is not an Elastic IP).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../helpers/package.ts';
import reboot from '../../src/runbooks/agent-reboot.ts';
import { dryRun } from '../../src/core/dry-run.ts';
import { createRegistry } from '../../src/core/registry.ts';
import { agentDisconnectedEvent } from '../../src/runbooks/_instance-examples.ts';

interface Step {
  name: string;
  action: string;
  inputs: Record<string, unknown>;
}

const [ref] = reboot.documents;
const doc = parse(readFileSync(join(projectRoot, 'src/runbooks', ref!.file!), 'utf8')) as {
  mainSteps: Step[];
};

test('agent-reboot starts our reboot document, never AWS-RestartEC2Instance', () => {
  expect(reboot.documents).toEqual([
    {
      name: 'SsmRemediator-RebootInstance',
      type: 'Automation',
      file: 'documents/SsmRemediator-RebootInstance.yaml',
      assumeRole: [
        { action: 'ec2:RebootInstances', resources: [expect.stringMatching(/:instance\/\*$/)] },
        { action: 'ec2:DescribeInstanceStatus', resources: ['*'] },
      ],
    },
  ]);
  const r = dryRun(
    agentDisconnectedEvent('i-0123456789abcdef0'),
    createRegistry([{ file: 'agent-reboot.ts', remediation: reboot }]),
    {
      pingStatus: 'ConnectionLost',
    },
  );
  const actions = r.remediations.flatMap((m) => m.actions);
  expect(actions).toEqual([
    {
      kind: 'startAutomation',
      document: 'SsmRemediator-RebootInstance',
      parameters: { InstanceId: ['i-0123456789abcdef0'] },
    },
  ]);
  expect(reboot.title).toMatch(/reboot/i);
  expect(reboot.title).not.toMatch(/restart/i);
});

test('the document reboots through EC2 RebootInstances and has no stop/start step', () => {
  const calls = doc.mainSteps
    .filter((s) => s.action === 'aws:executeAwsApi')
    .map((s) => `${String(s.inputs.Service)}:${String(s.inputs.Api)}`);
  expect(calls).toEqual(['ec2:RebootInstances']);
  expect(doc.mainSteps.map((s) => s.action)).not.toContain('aws:changeInstanceState');
  expect(JSON.stringify(doc)).not.toMatch(/StopInstances|StartInstances/);
});
