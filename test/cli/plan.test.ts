/** `remediator plan` through the real CLI (bin/remediator.js), on the shared example events. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli, STACK_TRACE } from '../helpers/cli.ts';
import { eventsDir } from '../helpers/events.ts';

const configEvent = resolve(eventsDir, 'config-rules-compliance-change-noncompliant.json');

const plan = (...args: string[]) => runCli(['plan', ...args]);
const count = (text: string, needle: string): number => text.split(needle).length - 1;

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
    expect(count(r.stdout + r.stderr, 'REJECTED')).toBe(1);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    const j = await plan(join(dir, 'bad.json'), '--json');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout).event).toMatchObject({ valid: false, field: 'detail.resourceId' });
  });

  test.each([
    [
      'a bucket name S3 forbids (two adjacent dots)',
      's3-bucket-versioning-enabled',
      'AWS::S3::Bucket',
      'acme..logs',
    ],
    [
      'a bucket name formatted as an IP address',
      's3-bucket-versioning-enabled',
      'AWS::S3::Bucket',
      '192.168.1.1',
    ],
    ['a security group id of the wrong shape', 'restricted-ssh', 'AWS::EC2::SecurityGroup', 'sg-1'],
  ])(
    '%s: every matching remediation rejects it → exit 1, naming the field',
    async (_name, rule, type, id) => {
      const dir = mkdtempSync(join(tmpdir(), 'plan-'));
      const event = JSON.parse(readFileSync(configEvent, 'utf8'));
      event.detail.configRuleName = rule;
      event.detail.resourceType = type;
      event.detail.resourceId = id;
      Object.assign(event.detail.newEvaluationResult.evaluationResultIdentifier.evaluationResultQualifier, {
        configRuleName: rule,
        resourceType: type,
        resourceId: id,
      });
      writeFileSync(join(dir, 'rejected.json'), JSON.stringify(event));
      const r = await plan(join(dir, 'rejected.json'));
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('→ rejected');
      expect(r.stderr).toContain('every matching remediation rejects its parameters');
      expect(r.stderr).toContain('detail.resourceId');
      expect((await plan(join(dir, 'rejected.json'), '--json')).code).toBe(1);
    },
  );

  test.each([
    ['ssm-calendar-state-change-closed.json', 'Calendar State Change'],
    ['ssm-automation-execution-status-change.json', 'EC2 Automation Execution Status-change Notification'],
    ['ssm-command-status-change.json', 'EC2 Command Status-change Notification'],
    ['ec2-instance-state-change.json', 'EC2 Instance State-change Notification'],
    ['scheduled-event-agent-health-poll.json', 'Scheduled Event'],
  ])('%s is valid AWS but not a finding: ignored once, exit 0', async (file, detailType) => {
    const r = await plan(resolve(eventsDir, file));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(count(r.stdout, `ignored: not a finding (${detailType})`)).toBe(1);
    expect(r.stdout).not.toMatch(/REJECTED|invalid/);
  });

  test('a COMPLIANT Config evaluation is not a finding; --json says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-'));
    const ok = JSON.parse(readFileSync(configEvent, 'utf8'));
    ok.detail.newEvaluationResult.complianceType = 'COMPLIANT';
    writeFileSync(join(dir, 'compliant.json'), JSON.stringify(ok));
    const r = await plan(join(dir, 'compliant.json'));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(count(r.stdout, 'ignored: not a finding (Config Rules Compliance Change)')).toBe(1);
    const j = await plan(join(dir, 'compliant.json'), '--json');
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({
      event: { valid: true, ignored: 'not a finding (Config Rules Compliance Change)' },
      remediations: [],
    });
  });

  test('an account-level Config rule (AWS::::Account) is a finding that ends skipped: no-match', async () => {
    const r = await plan(resolve(eventsDir, 'config-rules-compliance-change-account-level.json'));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('config.noncompliant on AWS::::Account 123456789012 (cloudtrail-enabled)');
    expect(r.stdout).toContain('no remediation applies → skipped (no-match)');
  });
});
