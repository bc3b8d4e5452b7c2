/** `remediator check`: everything a runbook author can get wrong, before deploy (src/runbooks/README.md). */
import { parseArgs } from 'node:util';
import { checkRemediations } from '../authoring/check.ts';
import { loadProject } from '../authoring/load.ts';
import { formatProblem } from '../authoring/problem.ts';
import type { Io } from './io.ts';

export const CHECK_USAGE = `remediator check [--json]
    checks every remediation in src/runbooks/ and its documents; prints file: field: message per problem`;

export async function checkCommand(argv: string[], io: Io, projectRoot: string): Promise<number> {
  let json: boolean;
  try {
    ({
      values: { json },
    } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } } }));
  } catch (e) {
    io.err(`${e instanceof Error ? e.message : String(e)}\nusage: ${CHECK_USAGE}`);
    return 2;
  }
  const loaded = await loadProject(projectRoot);
  const problems = loaded.input ? [...loaded.problems, ...checkRemediations(loaded.input)] : loaded.problems;
  const count = loaded.input?.runbooks.length ?? 0;
  if (json) {
    io.out(JSON.stringify({ remediations: count, problems }, null, 2));
  } else if (problems.length === 0) {
    io.out(`remediator check: ${count} remediation(s), no problems`);
  } else {
    for (const p of problems) io.err(formatProblem(p));
    io.err(`remediator check: ${problems.length} problem(s) in ${count} remediation(s)`);
  }
  return problems.length === 0 ? 0 : 1;
}
