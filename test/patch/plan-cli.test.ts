/** `remediator plan` handles both new trigger families with the example events (no AWS call). */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { projectRoot, eventsDir } from '../helpers/events.ts';

const run = promisify(execFile);

async function plan(file: string, ...flags: string[]) {
  const { stdout } = await run(process.execPath, ['bin/remediator.js', 'plan', file, '--json', ...flags], {
    cwd: projectRoot,
  });
  return JSON.parse(stdout) as {
    event: { valid: boolean };
    finding: { family: string; resourceId: string };
    remediations: {
      id: string;
      outcome: string;
      code?: string;
      actions: { kind: string; document?: string }[];
    }[];
  };
}

test.each([
  ['ssm-command-invocation-status-change.json'],
  ['ssm-configuration-compliance-patch-noncompliant.json'],
])('patch.failed: %s → AWS-RunPatchBaseline Install (shadow by default)', async (name) => {
  const r = await plan(resolve(eventsDir, name));
  expect(r.event.valid).toBe(true);
  expect(r.finding).toMatchObject({ family: 'patch.failed', resourceId: 'i-0fedcba9876543210' });
  expect(r.remediations).toHaveLength(1);
  expect(r.remediations[0]).toMatchObject({
    id: 'patch-baseline-install',
    outcome: 'skipped',
    code: 'shadow',
  });
  expect(r.remediations[0]!.actions).toEqual([
    expect.objectContaining({ kind: 'sendCommand', document: 'AWS-RunPatchBaseline' }),
  ]);
});

test('patch.failed with the agent offline → skipped (agent-offline)', async () => {
  const r = await plan(
    resolve(eventsDir, 'ssm-command-invocation-status-change.json'),
    '--mode',
    'auto',
    '--ping',
    'ConnectionLost',
  );
  expect(r.remediations[0]).toMatchObject({ outcome: 'skipped', code: 'agent-offline' });
});

test('agent.disconnected (examples/events/agent-disconnected.json) → diagnose now, reboot in shadow', async () => {
  const r = await plan(resolve(projectRoot, 'examples/events/agent-disconnected.json'));
  expect(r.event.valid).toBe(true);
  expect(r.finding).toMatchObject({ family: 'agent.disconnected', resourceId: 'i-0123456789abcdef0' });
  const byId = Object.fromEntries(r.remediations.map((m) => [m.id, m]));
  expect(Object.keys(byId).sort()).toEqual(['agent-reboot', 'agent-troubleshoot']);
  expect(byId['agent-troubleshoot']).toMatchObject({ outcome: 'started' });
  expect(byId['agent-troubleshoot']!.actions[0]).toMatchObject({
    kind: 'startAutomation',
    document: 'AWSSupport-TroubleshootManagedInstance',
  });
  expect(byId['agent-reboot']).toMatchObject({ outcome: 'skipped', code: 'shadow' });
});
