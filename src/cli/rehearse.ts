/**
 * `remediator rehearse [--scenario FILE] [--json FILE] [--html FILE]`: runs a scenario (default: the
 * built-in sandbox/scenario/default.yaml, a day compressed into under a minute) against the sandbox
 * account with the service packaged and deployed into it, prints progress on stderr and a summary on
 * stdout. Exit 0 when nothing was lost and no execution was duplicated, 1 otherwise or on an invalid
 * scenario, 2 on bad usage.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../model/errors.ts';
import { parseCommand, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';
import { PACKAGING_NOTE, packagingUnavailable } from './sandbox.ts';

type ScenarioModule = typeof import('../../sandbox/scenario/index.ts');

/** The project: two levels up from src/cli/ (tsx) or dist/cli/ (the CLI bundle). */
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** To add an option: declare it here; `args.values.<name>` is then typed and validated. */
export const REHEARSE = {
  name: 'rehearse',
  brief: 'run a scenario against the sandbox account and report',
  summary:
    'Runs a scenario (default: the built-in day, sandbox/scenario/default.yaml, in under a minute)\n' +
    'against the sandbox account with the service packaged and deployed into it. Progress on stderr,\n' +
    'the report on stdout; exit 1 when an event was lost or an execution duplicated.',
  options: {
    scenario: { type: 'string', value: 'FILE', help: 'scenario YAML (default: the built-in day)' },
    json: { type: 'string', value: 'FILE', help: 'also write the report as JSON (folders are created)' },
    html: { type: 'string', value: 'FILE', help: 'also write the report as a self-contained HTML page' },
    speed: {
      type: 'number',
      value: 'N',
      help: 'kept for old command lines; no effect: rehearsals run on virtual time',
    },
    'template-dir': {
      type: 'string',
      value: 'DIR',
      help: 'deploy this `serverless package` output instead of packaging',
    },
  },
  more: `${PACKAGING_NOTE}\nExample:\n  remediator rehearse --scenario docs/scenario-example.yaml --json reports/example.json`,
} as const satisfies CommandSpec;

export async function rehearseCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand(REHEARSE, argv, io);
  if (typeof parsed === 'number') return parsed;
  const args = parsed.values;
  const projectRoot = PROJECT_ROOT;
  const sandbox: ScenarioModule = await import('../../sandbox/scenario/index.ts');
  const file = args.scenario ? resolve(args.scenario) : sandbox.defaultScenarioPath(projectRoot);
  let scenario;
  try {
    scenario = sandbox.loadScenario(file);
  } catch (e) {
    if (e instanceof sandbox.ScenarioError) {
      io.err(`remediator rehearse: invalid scenario: ${e.message}`);
      return 1;
    }
    io.err(`remediator rehearse: cannot read scenario ${file}: ${errorMessage(e)}`);
    return 1;
  }
  const missing = args['template-dir'] ? undefined : packagingUnavailable(projectRoot);
  if (missing) {
    io.err(`remediator rehearse: ${missing}`);
    return 1;
  }
  const { runScenario, failureReason, passed, renderReport } = sandbox;
  let report;
  try {
    report = await runScenario({
      scenario,
      projectRoot,
      ...(args.speed ? { speed: args.speed } : {}),
      ...(args['template-dir'] ? { templateDir: resolve(args['template-dir']) } : {}),
      progress: (line) => io.err(line),
    });
  } catch (e) {
    io.err(`rehearsal failed to run: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
  const write = (file: string, text: string): string => {
    const out = resolve(file);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, text);
    return out;
  };
  if (args.json) write(args.json, JSON.stringify(report, null, 2) + '\n');
  const html = args.html ? write(args.html, sandbox.renderHtml(report)) : undefined;
  io.out(renderReport(report));
  if (args.json) io.out(`report written to ${args.json}`);
  if (html) io.out(`HTML report written to ${html}`);
  if (passed(report)) return 0;
  io.err(`rehearsal failed: ${failureReason(report)}`);
  return 1;
}
