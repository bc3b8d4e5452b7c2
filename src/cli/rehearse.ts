/**
 * `remediator rehearse [--scenario FILE] [--json FILE] [--html FILE] [--speed N]`: runs a scenario (default: the
 * built-in sandbox/scenario/default.yaml, a day compressed into under a minute) against the sandbox
 * account with the service packaged and deployed into it, prints progress on stderr and a summary on
 * stdout. Exit 0 when nothing was lost and no execution was duplicated, 1 otherwise, 2 on bad usage.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Io } from './io.ts';

type ScenarioModule = typeof import('../../sandbox/scenario/index.ts');

/** The project: two levels up from src/cli/ (tsx) or .build/cli/ (the CLI bundle). */
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function loadSandbox(projectRoot: string): Promise<ScenarioModule> {
  const { tsImport } = await import('tsx/esm/api');
  const url = pathToFileURL(join(projectRoot, 'sandbox/scenario/index.ts')).href;
  return (await tsImport(url, import.meta.url)) as ScenarioModule;
}

export const REHEARSE_USAGE = `usage: remediator rehearse [--scenario FILE] [--json FILE] [--html FILE] [--speed N]
  --scenario FILE   scenario YAML (default: the built-in day, sandbox/scenario/default.yaml)
  --json FILE       also write the report as JSON (folders are created)
  --html FILE       also write the report as a self-contained HTML page (timeline, charts)
  --speed N         simulated seconds per wall second (overrides the scenario's clock.speed)
  --template-dir D  deploy this \`serverless package\` output instead of packaging again`;

interface Args {
  scenario?: string;
  json?: string;
  html?: string;
  speed?: number;
  templateDir?: string;
}

function parseArgs(argv: string[]): Args | string {
  const args: Args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === '--scenario') {
      const v = value();
      if (!v) return '--scenario needs a file';
      args.scenario = v;
    } else if (flag === '--json') {
      const v = value();
      if (!v) return '--json needs a file';
      args.json = v;
    } else if (flag === '--html') {
      const v = value();
      if (!v) return '--html needs a file';
      args.html = v;
    } else if (flag === '--speed') {
      const v = Number(value());
      if (!(v > 0)) return '--speed needs a positive number';
      args.speed = v;
    } else if (flag === '--template-dir') {
      const v = value();
      if (!v) return '--template-dir needs a folder';
      args.templateDir = v;
    } else if (flag === '--help' || flag === '-h') {
      return 'help';
    } else {
      return `unknown argument ${JSON.stringify(a)}`;
    }
  }
  return args;
}

export async function rehearseCommand(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.out(REHEARSE_USAGE);
    return 0;
  }
  if (typeof args === 'string') {
    io.err(`${args}\n${REHEARSE_USAGE}`);
    return 2;
  }
  // The sandbox is dev tooling: loaded from the project at run time (through tsx), never bundled.
  let sandbox: ScenarioModule;
  let projectRoot: string;
  try {
    projectRoot = PROJECT_ROOT;
    sandbox = await loadSandbox(projectRoot);
  } catch (e) {
    io.err(
      `rehearse needs the project's sandbox/ and dev dependencies: ${e instanceof Error ? e.message : String(e)}`,
    );
    return 1;
  }
  const file = args.scenario ? resolve(args.scenario) : sandbox.defaultScenarioPath(projectRoot);
  let scenario;
  try {
    scenario = sandbox.loadScenario(file);
  } catch (e) {
    if (e instanceof sandbox.ScenarioError) {
      io.err(`invalid scenario: ${e.message}`);
      return 2;
    }
    io.err(`cannot read scenario ${file}: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const { runScenario, failureReason, passed, renderReport } = sandbox;
  let report;
  try {
    report = await runScenario({
      scenario,
      projectRoot,
      ...(args.speed ? { speed: args.speed } : {}),
      ...(args.templateDir ? { templateDir: resolve(args.templateDir) } : {}),
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
