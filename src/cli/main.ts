/** The `remediator` command line: one module per subcommand, one argument parser (./args.ts) for all. */
import entries from 'virtual:runbooks';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRegistry } from '../core/registry.ts';
import type { CommandSpec } from './args.ts';
import { CHECK, checkCommand } from './check.ts';
import { HISTORY, historyCommand } from './history.ts';
import { processIo, type Io } from './io.ts';
import { NEW, newCommand } from './new.ts';
import { PLAN, planCommand } from './plan.ts';
import { REHEARSE, rehearseCommand } from './rehearse.ts';
import { SANDBOX, SEND, sandboxCommand, sendCommand } from './sandbox.ts';
import { BACKFILL, backfillCommand } from './backfill.ts';
import { REMEDIATE, remediateCommand } from './remediate.ts';
import { APPROVE, REJECT, approveCommand } from './approve.ts';
import { STATUS, statusCommand } from './status.ts';

/** The project whose src/runbooks/ `check` and `new` work on: two levels up from src/cli/ or dist/cli/. */
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

type Run = (argv: string[], io: Io) => number | Promise<number>;

const COMMANDS: ReadonlyArray<{ spec: CommandSpec; run: Run }> = [
  { spec: PLAN, run: (argv, io) => planCommand(argv, io, createRegistry(entries)) },
  // Before the registry: check must report a duplicate id, not crash on it.
  { spec: CHECK, run: (argv, io) => checkCommand(argv, io, PROJECT_ROOT) },
  { spec: NEW, run: (argv, io) => newCommand(argv, io, PROJECT_ROOT) },
  { spec: SANDBOX, run: (argv, io) => sandboxCommand(argv, io) },
  { spec: SEND, run: sendCommand },
  { spec: HISTORY, run: historyCommand },
  { spec: REHEARSE, run: rehearseCommand },
  { spec: REMEDIATE, run: (argv, io) => remediateCommand(argv, io, createRegistry(entries)) },
  { spec: BACKFILL, run: (argv, io) => backfillCommand(argv, io, createRegistry(entries)) },
  { spec: APPROVE, run: (argv, io) => approveCommand(argv, io, 'approve') },
  { spec: REJECT, run: (argv, io) => approveCommand(argv, io, 'reject') },
  { spec: STATUS, run: (argv, io) => statusCommand(argv, io, createRegistry(entries)) },
];

export const EXIT_CODES = `exit codes:
  0  ok (for plan: the event was decided, or ignored as not a finding)
  1  the input is invalid (event, scenario, remediations), an AWS call failed, or the rehearsal failed
  2  usage: unknown command or option, missing or bad value`;

export function topHelp(): string {
  const rows = COMMANDS.map(({ spec }) => {
    const left = `${spec.name}${spec.args ? ` ${spec.args}` : ''}`;
    return `  ${left.padEnd(22)} ${spec.brief}`;
  });
  return [
    'usage: remediator <command> [options]',
    '',
    'Event-driven remediation for one AWS account, run and rehearsed locally.',
    '',
    'commands:',
    ...rows,
    '',
    'options:',
    '  -h, --help             show this help (remediator <command> --help: that command)',
    '  --version              print the version',
    '',
    EXIT_CODES,
    '',
    'Examples:',
    '  remediator plan examples/events/config-rules-compliance-change-noncompliant.json --calendar CLOSED',
    '  remediator check',
    '  remediator sandbox --port 0',
    '',
    'docs/cli.md has every command and option.',
  ].join('\n');
}

export function version(): string {
  const pkg = JSON.parse(readFileSync(`${PROJECT_ROOT}/package.json`, 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h') {
    io.out(topHelp());
    return 0;
  }
  if (cmd === '--version') {
    io.out(`remediator ${version()}`);
    return 0;
  }
  if (cmd === 'help') {
    const named = COMMANDS.find((c) => c.spec.name === rest[0]);
    return named ? named.run(['--help'], io) : main(['--help'], io);
  }
  const command = COMMANDS.find((c) => c.spec.name === cmd);
  if (command) return command.run(rest, io);
  io.err(
    cmd === undefined
      ? 'remediator: give a command'
      : `remediator: unknown ${cmd.startsWith('-') ? 'option' : 'command'} ${cmd}`,
  );
  io.err(topHelp().split('\n\noptions:')[0]!);
  return 2;
}
