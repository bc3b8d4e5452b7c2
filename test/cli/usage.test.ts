/**
 * Every command behaves like the tools people know, through the real CLI: --help/-h print help on
 * stdout and exit 0; a misspelt option, a missing or bad value exit 2 with one line naming it and the
 * command's usage on stderr, never a stack trace; --version prints package.json's version.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli, STACK_TRACE } from '../helpers/cli.ts';
import { eventsDir, projectRoot } from '../helpers/events.ts';

const COMMANDS = ['plan', 'check', 'new', 'sandbox', 'send', 'history', 'rehearse'];
const event = join(eventsDir, 'config-rules-compliance-change-noncompliant.json');

describe('help', () => {
  test.each(['--help', '-h'])(
    'remediator %s lists every command and the exit codes, on stdout',
    async (flag) => {
      const r = await runCli([flag]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
      expect(r.stdout).toContain('exit codes:');
      expect(r.stdout).toMatch(/^ {2}2 {2}usage/m);
    },
  );

  test.each(
    COMMANDS.flatMap((c) => [
      [c, '--help'],
      [c, '-h'],
    ]),
  )('remediator %s %s → exit 0, help on stdout', async (c, flag) => {
    const r = await runCli([c, flag]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(new RegExp(`^usage: remediator ${c}\\b`));
    expect(r.stdout).toContain('-h, --help');
  });

  test('--version prints the version in package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await runCli(['--version'])).toMatchObject({
      code: 0,
      stdout: `remediator ${version}\n`,
      stderr: '',
    });
  });
});

describe('usage mistakes: exit 2, one line naming it, the usage, no stack trace', () => {
  const usage = (
    r: { code: number; stdout: string; stderr: string },
    command: string,
    message: RegExp,
  ): void => {
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const [first, second] = r.stderr.split('\n');
    expect(first).toMatch(message);
    expect(second).toMatch(new RegExp(`^usage: remediator ${command}`));
    expect(r.stderr).not.toMatch(STACK_TRACE);
  };

  test.each(COMMANDS)('remediator %s --bogus-flag', async (c) => {
    usage(await runCli([c, '--bogus-flag']), c, new RegExp(`^remediator ${c}: unknown option --bogus-flag$`));
  });

  test('a misspelt option is named, with the one meant', async () => {
    usage(
      await runCli(['plan', event, '--calender', 'CLOSED']),
      'plan',
      /unknown option --calender \(did you mean --calendar\?\)/,
    );
  });

  test.each([
    [['plan', event, '--recent-runs', 'abc'], /--recent-runs must be a whole number ≥ 0, not "abc"/],
    [['plan', event, '--started-last-hour', '1.5'], /--started-last-hour must be a whole number/],
    [['plan', event, '--recent-runs'], /--recent-runs needs a value/],
    [['plan', event, '--calendar', 'AJAR'], /--calendar must be one of OPEN, CLOSED, not "AJAR"/],
    [['plan'], /missing <event.json>/],
    [['plan', event, event], /unexpected argument/],
    [['sandbox', '--port', '70000'], /--port must be a whole number from 0 to 65535/],
    [['sandbox', '--speed', '0'], /--speed must be a positive number/],
    [['history', '--resource', 'x', '--limit', '0'], /--limit must be a whole number from 1 to 1000/],
    [['history'], /give --resource <id>, --remediation <id> or --held/],
    [['rehearse', '--speed', 'fast'], /--speed must be a positive number, not "fast"/],
    [['new', 'ok-id', '--trigger', 'config.changed'], /--trigger must be one of/],
    [['send', event, '--endpoint'], /--endpoint needs a value \(URL\)/],
  ])('%j', async (args, message) => {
    usage(await runCli(args), args[0]!, message);
  });

  test('an unknown command or top-level option', async () => {
    for (const args of [['plna'], ['--bogus-flag']]) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/^remediator: unknown (command plna|option --bogus-flag)$/);
      expect(r.stderr).toContain('usage: remediator <command>');
      expect(r.stderr).not.toMatch(STACK_TRACE);
    }
  });
});

describe('the ways to run it from a clone', () => {
  const exec = (cmd: string, args: string[]) =>
    new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(cmd, args, { cwd: projectRoot }, (err, stdout) =>
        resolve({ code: err ? Number(err.code) : 0, stdout }),
      ),
    );

  test('npx remediator and npm run remediator -- run the CLI', async () => {
    const npx = await exec('npx', ['--no-install', 'remediator', 'plan', event, '--json']);
    expect(npx.code).toBe(0);
    expect(JSON.parse(npx.stdout).remediations[0].id).toBe('restricted-ssh');
    const npm = await exec('npm', ['run', '--silent', 'remediator', '--', '--version']);
    expect(npm).toMatchObject({ code: 0, stdout: expect.stringMatching(/^remediator \d+\.\d+\.\d+\n$/) });
  });
});
