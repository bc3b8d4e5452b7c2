/** `remediator check`: everything a runbook author can get wrong, before deploy (src/runbooks/README.md). */
import { checkRemediations } from '../authoring/check.ts';
import { loadProject } from '../authoring/load.ts';
import { formatProblem } from '../authoring/problem.ts';
import { parseCommand, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';

export const CHECK = {
  name: 'check',
  brief: 'everything a runbook author can get wrong, before deploy',
  summary:
    'Everything a runbook author can get wrong, before deploy: checks every remediation in src/runbooks/\n' +
    'and its documents, runs their worked examples, and prints file: field: message per problem (exit 1).',
  options: { json: { type: 'boolean', help: 'print {remediations, problems} as JSON' } },
} as const satisfies CommandSpec;

export async function checkCommand(argv: string[], io: Io, projectRoot: string): Promise<number> {
  const args = parseCommand(CHECK, argv, io);
  if (typeof args === 'number') return args;
  const json = args.values.json ?? false;
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
