/** `remediator new <id> --trigger <family>`: scaffolds src/runbooks/<id>.ts, ready for `remediator check`. */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { scaffoldRemediation } from '../authoring/scaffold.ts';
import { TRIGGER_FAMILIES, type TriggerFamily } from '../core/types.ts';
import type { Io } from './io.ts';

export const NEW_USAGE = `remediator new <id> --trigger ${TRIGGER_FAMILIES.join('|')}
    writes src/runbooks/<id>.ts: a remediation in shadow mode with worked examples, to edit`;

const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export function newCommand(argv: string[], io: Io, projectRoot: string): number {
  const fail = (message: string) => {
    io.err(`remediator new: ${message}\nusage: ${NEW_USAGE}`);
    return 2;
  };
  let values: { trigger?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { trigger: { type: 'string' } },
    }));
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  const [id, ...extra] = positionals;
  if (!id)
    return fail(
      'give the remediation an id, e.g. remediator new ebs-snapshot-public --trigger config.noncompliant',
    );
  if (extra.length) return fail(`one id at a time (also got ${extra.join(' ')})`);
  if (!KEBAB.test(id)) {
    return fail(
      `id ${JSON.stringify(id)} must be kebab-case: lowercase letters and digits joined by single hyphens`,
    );
  }
  if (!values.trigger) return fail(`--trigger is required (one of ${TRIGGER_FAMILIES.join(', ')})`);
  if (!(TRIGGER_FAMILIES as readonly string[]).includes(values.trigger)) {
    return fail(
      `unknown trigger family ${JSON.stringify(values.trigger)} (one of ${TRIGGER_FAMILIES.join(', ')})`,
    );
  }
  const file = resolve(projectRoot, 'src/runbooks', `${id}.ts`);
  if (existsSync(file)) return fail(`src/runbooks/${id}.ts already exists; not overwriting it`);
  try {
    writeFileSync(file, scaffoldRemediation(id, values.trigger as TriggerFamily), { flag: 'wx' });
  } catch (e) {
    return fail(`cannot write src/runbooks/${id}.ts: ${e instanceof Error ? e.message : String(e)}`);
  }
  io.out(
    [
      `wrote src/runbooks/${id}.ts (${values.trigger}, defaultMode shadow)`,
      'next:',
      `  1. replace the TODOs; keep the worked examples true (they are its test)`,
      `  2. node bin/remediator.js check        (and: npx vitest run test/unit/runbooks.test.ts)`,
      `  3. rehearse it in shadow mode against the sandbox (src/runbooks/README.md), then set defaultMode: 'auto'`,
    ].join('\n'),
  );
  return 0;
}
