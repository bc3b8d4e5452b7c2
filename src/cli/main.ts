/** The `remediator` command line: one module per subcommand. */
import entries from 'virtual:runbooks';
import { createRegistry } from '../core/registry.ts';
import { processIo, type Io } from './io.ts';
import { PLAN_USAGE, planCommand } from './plan.ts';

const USAGE = `usage: remediator <command>

  plan <event.json> [--json] ...   what the service would decide for an event, with no AWS call
                                   ${PLAN_USAGE.split('\n').slice(1).join('\n                                   ')}
`;

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [cmd, ...rest] = argv;
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
