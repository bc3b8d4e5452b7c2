/** `remediator plan` through the real CLI (bin/remediator.js), on the shared example events. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { projectRoot, eventsDir } from '../helpers/events.ts';

const run = promisify(execFile);
const configEvent = resolve(eventsDir, 'config-rules-compliance-change-noncompliant.json');

async function plan(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/remediator.js', 'plan', ...args], {
      cwd: projectRoot,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('remediator plan', () => {
  test('--json on the shared Config event names AWS-DisablePublicAccessForSecurityGroup and the security group', async () => {
    const r = await plan(configEvent, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      remediations: Array<{
        id: string;
        outcome: string;
        reason: string;
        actions: Array<{ kind: string; document?: string; parameters?: Record<string, string[]> }>;
      }>;
    };
    const ssh = out.remediations.find((m) => m.id === 'restricted-ssh')!;
    expect(ssh).toMatchObject({ outcome: 'started', reason: expect.any(String) });
    expect(ssh.actions).toEqual([
      {
        kind: 'startAutomation',
        document: 'AWS-DisablePublicAccessForSecurityGroup',
        parameters: { GroupId: ['sg-0a1b2c3d4e5f67890'] },
      },
    ]);
  });

  test('facts come from flags: a closed calendar defers, shadow mode skips with the plan, an opt-out tag skips', async () => {
    const closed = JSON.parse((await plan(configEvent, '--json', '--calendar', 'CLOSED')).stdout);
    expect(closed.remediations[0]).toMatchObject({ outcome: 'deferred', code: 'calendar-closed' });
    const shadow = JSON.parse((await plan(configEvent, '--json', '--mode', 'shadow')).stdout);
    expect(shadow.remediations[0]).toMatchObject({ outcome: 'skipped', code: 'shadow' });
    expect(shadow.remediations[0].actions[0].document).toBe('AWS-DisablePublicAccessForSecurityGroup');
    const tagged = JSON.parse(
      (await plan(configEvent, '--json', '--tag', 'remediation:skip=bastion')).stdout,
    );
    expect(tagged.remediations[0]).toMatchObject({ outcome: 'skipped', code: 'opted-out' });
  });

  test('the human output shows each gate and the plan', async () => {
    const r = await plan(configEvent);
    expect(r.stdout).toContain('kill-switch');
    expect(r.stdout).toContain('calendar');
    expect(r.stdout).toContain(
      'startAutomation AWS-DisablePublicAccessForSecurityGroup {"GroupId":["sg-0a1b2c3d4e5f67890"]}',
    );
  });

  test('an invalid event exits non-zero with a message naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-'));
    const bad = JSON.parse(readFileSync(configEvent, 'utf8'));
    bad.detail.resourceId = 'sg-1; rm -rf /';
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    const r = await plan(join(dir, 'bad.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('detail.resourceId');
    const j = await plan(join(dir, 'bad.json'), '--json');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout).event).toMatchObject({ valid: false, field: 'detail.resourceId' });
  });
});
