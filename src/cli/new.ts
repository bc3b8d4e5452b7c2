/** `remediator new <id> --trigger <family>`: scaffolds src/runbooks/<id>.ts, ready for `remediator check`. */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { scaffoldRemediation } from '../authoring/scaffold.ts';
import { TRIGGER_FAMILIES, type TriggerFamily } from '../model/types.ts';
import { parseCommand, usageError, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';

export const NEW = {
  name: 'new',
  brief: 'scaffold src/runbooks/<id>.ts, in shadow mode',
  args: '<id>',
  positionals: { min: 1, max: 1 },
  summary:
    'Writes src/runbooks/<id>.ts: a remediation in shadow mode with worked examples, to edit.\n' +
    '<id> is kebab-case (lowercase letters and digits joined by single hyphens).',
  options: {
    trigger: { type: 'string', choices: TRIGGER_FAMILIES, help: 'the findings it handles (required)' },
  },
  more: 'Example:\n  remediator new ebs-snapshot-public --trigger config.noncompliant',
} as const satisfies CommandSpec;

const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export function newCommand(argv: string[], io: Io, projectRoot: string): number {
  const args = parseCommand(NEW, argv, io);
  if (typeof args === 'number') return args;
  const id = args.positionals[0]!;
  const trigger: TriggerFamily | undefined = args.values.trigger;
  if (!KEBAB.test(id)) {
    return usageError(
      io,
      NEW,
      `id ${JSON.stringify(id)} must be kebab-case: lowercase letters and digits joined by single hyphens`,
    );
  }
  if (!trigger) return usageError(io, NEW, `--trigger is required (one of ${TRIGGER_FAMILIES.join(', ')})`);
  const fail = (message: string) => {
    io.err(`remediator new: ${message}`);
    return 1;
  };
  const file = resolve(projectRoot, 'src/runbooks', `${id}.ts`);
  if (existsSync(file)) return fail(`src/runbooks/${id}.ts already exists; not overwriting it`);
  try {
    writeFileSync(file, scaffoldRemediation(id, trigger), { flag: 'wx' });
  } catch (e) {
    return fail(`cannot write src/runbooks/${id}.ts: ${e instanceof Error ? e.message : String(e)}`);
  }
  io.out(
    [
      `wrote src/runbooks/${id}.ts (${trigger}, defaultMode shadow)`,
      'next:',
      `  1. replace the TODOs; keep the worked examples true (they are its test)`,
      `  2. npx remediator check        (and: npx vitest run test/unit/runbooks.test.ts)`,
      `  3. rehearse it in shadow mode against the sandbox (src/runbooks/README.md), then set defaultMode: 'auto'`,
    ].join('\n'),
  );
  return 0;
}
