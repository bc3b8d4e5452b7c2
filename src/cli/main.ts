/** The `remediator` command line: one module per subcommand. */
import entries from 'virtual:runbooks';
import { fileURLToPath } from 'node:url';
import { createRegistry } from '../core/registry.ts';
import { processIo, type Io } from './io.ts';
import { PLAN_USAGE, planCommand } from './plan.ts';
import { sandboxCommand, sendCommand } from './sandbox.ts';
import { checkCommand } from './check.ts';
import { newCommand } from './new.ts';
import { rehearseCommand } from './rehearse.ts';
import { historyCommand } from './history.ts';

/** The project whose src/runbooks/ `check` and `new` work on: two levels up from src/cli/ or .build/cli/. */
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const USAGE = `usage: remediator <command>

  plan <event.json> [--json] ...   what the service would decide for an event, with no AWS call
                                   ${PLAN_USAGE.split('\n').slice(1).join('\n                                   ')}
  sandbox [--port N] [--speed X]   run the local sandbox account with the service deployed, until Ctrl-C
  send <event.json> [--endpoint URL]
                                   PutEvents an event file to a running sandbox
  check [--json]                   everything a runbook author can get wrong, before deploy (file: field: message)
  new <id> --trigger <family>      scaffold src/runbooks/<id>.ts (family: config.noncompliant|patch.failed|agent.disconnected)
  history (--resource <id> | --remediation <id>) [--limit N] [--json] [--table NAME]
                                   outcomes recorded in the ledger, newest first (LEDGER_TABLE, AWS_REGION)
  rehearse [--scenario FILE] [--json FILE] [--speed N] [--template-dir DIR]
                                   run a scenario (default: a day in under a minute) against the sandbox account
`;

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'sandbox') return sandboxCommand(rest, io);
  if (cmd === 'send') return sendCommand(rest, io);
  // Before the registry: check must report a duplicate id, not crash on it.
  if (cmd === 'check') return checkCommand(rest, io, PROJECT_ROOT);
  if (cmd === 'new') return newCommand(rest, io, PROJECT_ROOT);
  if (cmd === 'rehearse') return rehearseCommand(rest, io);
  if (cmd === 'history') return historyCommand(rest, io);
  const registry = createRegistry(entries);
  switch (cmd) {
    case 'plan':
      return planCommand(rest, io, registry);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      io.err(`unknown command ${JSON.stringify(cmd)}\n${USAGE}`);
      return 2;
  }
}
