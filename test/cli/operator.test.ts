/**
 * Issue 14 item 6 and the CLI side of item 5, through the real bin against a sandbox account:
 * `remediate` (an operator's manual run, gated and recorded with who asked), `status` (switches, held
 * work, queues) and `backfill` (dry run, then a run the reconcile function carries out).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SANDBOX_OPERATOR, type SandboxAccount } from '../../sandbox/account.ts';
import { runCli, STACK_TRACE } from '../helpers/cli.ts';
import {
  configEvent,
  executionsFor,
  knownSecurityGroup,
  SG_ARN,
  startTestAccount,
} from '../helpers/sandbox.ts';

/** A user who exported nothing: the CLI signs as the sandbox's operator. */
const bareEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && k !== 'LEDGER_TABLE'),
);
const OPERATOR_SESSION = `arn:aws:sts::123456789012:assumed-role/ssm-remediator-sandbox-operator/${SANDBOX_OPERATOR.accessKeyId}`;

let acct: SandboxAccount;
beforeAll(async () => {
  acct = await startTestAccount();
}, 120_000);
afterAll(async () => acct?.close());

/**
 * The account's time is virtual: it moves (and the bus delivers) while a test waits for it to go idle.
 * A CLI that waits for the service (`--wait`) runs while the test keeps the account moving.
 */
async function whileRunning<T>(p: Promise<T>): Promise<T> {
  let done = false;
  void p.finally(() => (done = true));
  while (!done) {
    await acct.bus.idle({ timeoutMs: 60_000 });
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return p;
}

const cli = (args: string[], env = bareEnv) =>
  runCli([...args, '--endpoint', acct.url], { env, timeoutMs: 120_000 });

describe('remediate', () => {
  const sg = 'sg-00000000000000c01';
  test('a manual run goes through the gates, starts once, and records who asked', async () => {
    knownSecurityGroup(acct, sg);
    const r = await whileRunning(
      cli([
        'remediate',
        '--remediation',
        'restricted-ssh',
        '--resource',
        sg,
        '--note',
        'INC-4711',
        '--wait',
        '60',
      ]),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`requested restricted-ssh on ${sg} as ${OPERATOR_SESSION}`);
    expect(r.stdout).toMatch(new RegExp(`started\\s+restricted-ssh\\s+${sg}`));
    await acct.bus.idle({ timeoutMs: 60_000 });
    const runs = executionsFor(acct, sg);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.DocumentName).toBe('AWS-DisablePublicAccessForSecurityGroup');
    // In the ledger and on the results topic, with who asked.
    const h = await cli(['history', '--resource', sg, '--json']);
    const started = h.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((o) => o['outcome'] === 'started');
    expect(started).toMatchObject({
      requestedBy: OPERATOR_SESSION,
      origin: 'operator',
      remediation: 'restricted-ssh',
    });
    const sns = acct.sns
      .messages()
      .map((m) => JSON.parse(m.Message) as Record<string, unknown>)
      .filter((m) => (m['resource'] as { id?: string })?.id === sg && m['outcome'] === 'started');
    expect(sns).toHaveLength(1);
    expect(sns[0]).toMatchObject({ requestedBy: OPERATOR_SESSION, origin: 'operator' });
  }, 180_000);

  test('the opt-out tag holds for a manual run too: skipped, nothing started', async () => {
    const opted = 'sg-00000000000000c02';
    knownSecurityGroup(acct, opted, { 'remediation:skip': 'vendor appliance' });
    const r = await whileRunning(
      cli(['remediate', '--remediation', 'restricted-ssh', '--resource', opted, '--wait', '60']),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/skipped\/opted-out\s+restricted-ssh/);
    await acct.bus.idle({ timeoutMs: 60_000 });
    expect(executionsFor(acct, opted)).toHaveLength(0);
  }, 180_000);

  test('a caller who is not an operator principal is refused by the bus policy, exit 1', async () => {
    const r = await cli(['remediate', '--remediation', 'restricted-ssh', '--resource', sg], {
      ...bareEnv,
      AWS_ACCESS_KEY_ID: 'intruder',
      AWS_SECRET_ACCESS_KEY: 'intruder',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('AccessDeniedException');
    expect(r.stderr).not.toMatch(STACK_TRACE);
  }, 60_000);

  test('an unknown remediation exits 1 naming the known ones; missing options exit 2', async () => {
    const r = await cli(['remediate', '--remediation', 'restricted-sshh', '--resource', sg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown remediation restricted-sshh (known: ');
    expect((await cli(['remediate', '--resource', sg])).code).toBe(2);
  }, 60_000);
});

describe('status', () => {
  test('shows the switches and modes, held work with why and when, and the queues', async () => {
    const sg = 'sg-00000000000000c03';
    knownSecurityGroup(acct, sg);
    acct.parameters.put({
      name: '/ssm-remediator/sandbox/mode/s3-bucket-versioning-enabled',
      value: 'shadow',
      type: 'String',
      overwrite: true,
    });
    // The kill switch unreadable (neither on nor off): the finding is held (gate-unreadable), nothing acts.
    acct.parameters.put({
      name: '/ssm-remediator/sandbox/kill-switch',
      value: 'maybe',
      type: 'String',
      overwrite: true,
    });
    acct.bus.put(configEvent(sg));
    await acct.bus.idle({ timeoutMs: 60_000 });
    // A malformed event: the rejected-events queue holds it.
    const bad = configEvent(sg);
    bad.detail['resourceId'] = 'sg-$(reboot)';
    acct.bus.put(bad);
    await acct.bus.idle({ timeoutMs: 60_000 });
    try {
      const r = await cli(['status']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('kill switch     unreadable ("maybe")');
      expect(r.stdout).toMatch(/s3-bucket-versioning-enabled\s+shadow\s/);
      expect(r.stdout).toMatch(/restricted-ssh\s+auto\s+\(default\)\s+breaker closed/);
      expect(r.stdout).toMatch(
        new RegExp(`gate-unreadable\\s+restricted-ssh ${sg}: since .*releases next try`),
      );
      expect(r.stdout).toMatch(/ssm-remediator-sandbox-rejected-events\s+1 waiting/);
      expect(r.stdout).toContain('needs attention:');
      expect(r.stdout).toContain('1 message(s) in ssm-remediator-sandbox-rejected-events');
      const j = JSON.parse((await cli(['status', '--json'])).stdout) as {
        killSwitch: { state: string };
        held: { total: number; byCode: Record<string, number> };
        queues: { name: string; messages: number | null }[];
      };
      expect(j.killSwitch.state).toBe('unreadable');
      expect(j.held.byCode['gate-unreadable']).toBeGreaterThanOrEqual(1);
      expect(j.queues.map((q) => q.name)).toContain('ssm-remediator-sandbox-slack-dlq');
      expect(j.queues.every((q) => q.messages !== null)).toBe(true);
    } finally {
      acct.parameters.put({
        name: '/ssm-remediator/sandbox/kill-switch',
        value: 'off',
        type: 'String',
        overwrite: true,
      });
    }
  }, 180_000);
});

describe('backfill', () => {
  test('dry run lists what Config reports NON_COMPLIANT; a run fixes it through the gates, once', async () => {
    const before = ['sg-00000000000000d01', 'sg-00000000000000d02'];
    acct.config.putRule('restricted-ssh');
    for (const sg of before) {
      acct.tagging.setTags(SG_ARN(sg), { Name: sg });
      acct.config.recordEarlier(
        'restricted-ssh',
        { resourceType: 'AWS::EC2::SecurityGroup', resourceId: sg },
        'NON_COMPLIANT',
        new Date(Date.now() - 86_400_000),
      );
    }
    const dry = await cli(['backfill', '--dry-run', '--remediation', 'restricted-ssh']);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    for (const sg of before) expect(dry.stdout).toMatch(new RegExp(`would feed\\s+restricted-ssh\\s+${sg}`));
    expect(before.flatMap((sg) => executionsFor(acct, sg))).toHaveLength(0);

    const run = await cli(['backfill', '--remediation', 'restricted-ssh', '--limit', '10']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`requested a backfill of at most 10 finding(s) as ${OPERATOR_SESSION}`);
    await acct.bus.idle({ timeoutMs: 120_000 });
    for (const sg of before) expect(executionsFor(acct, sg)).toHaveLength(1);

    // Fed once: a second run within the refeed window leaves them, and starts nothing more.
    const again = await cli(['backfill', '--dry-run', '--remediation', 'restricted-ssh']);
    for (const sg of before) expect(again.stdout).toMatch(new RegExp(`leave\\s+restricted-ssh\\s+${sg}`));
    await cli(['backfill', '--remediation', 'restricted-ssh']);
    await acct.bus.idle({ timeoutMs: 120_000 });
    for (const sg of before) expect(executionsFor(acct, sg)).toHaveLength(1);
  }, 300_000);
});
