/**
 * Packaging for tests: `serverless package` writes the CloudFormation template offline. Run it on a
 * copy of the project (copyProject), never on the working tree: the plugin rebuilds .build/, which
 * other tests running at the same time read.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const projectRoot = resolve(import.meta.dirname, '../..');

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown> & {
    Policies?: Array<{ PolicyName: string; PolicyDocument: { Statement: Statement[] } }>;
  };
}

export interface Template {
  Resources: Record<string, Resource>;
}

/**
 * What a test copies: everything `serverless package` and `remediator` read, and no build output.
 * sandbox/ too: the CLI bundle, which packaging builds, includes the sandbox commands.
 */
const PROJECT_FILES = [
  'src',
  'scripts',
  'serverless',
  'bin',
  'sandbox',
  'serverless.yml',
  'package.json',
  'tsconfig.json',
];

/** Copies the project to a new temporary folder (node_modules symlinked) and returns its root. */
export function copyProject(from = projectRoot): string {
  const dest = mkdtempSync(join(tmpdir(), 'remediator-project-'));
  for (const f of PROJECT_FILES) {
    if (existsSync(join(from, f))) cpSync(join(from, f), join(dest, f), { recursive: true });
  }
  symlinkSync(join(from, 'node_modules'), join(dest, 'node_modules'), 'dir');
  return dest;
}

/** The environment for packaging: no AWS credentials or profile (packaging needs none), no telemetry. */
export function offlineEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  return { ...env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', CI: '1' };
}

/** Runs `serverless package --stage test --package <outDir>` in `root` and returns the update-stack template. */
export async function packageService(root: string, outDir: string): Promise<Template> {
  const cli = join(root, 'node_modules/serverless/bin/serverless.js');
  try {
    await promisify(execFile)(process.execPath, [cli, 'package', '--stage', 'test', '--package', outDir], {
      cwd: root,
      env: offlineEnv(),
      maxBuffer: 16 * 1024 * 1024,
      timeout: 120_000,
    });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`serverless package failed in ${root}:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: e });
  }
  return JSON.parse(
    readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
}

/** The roles the engine acts from (serverless/remediator-plugin.cjs ACTING_ROLES) present in the template. */
export const ACTING_ROLES = ['RemediateRole', 'PatchFanoutRole', 'ReconcileRole'];

/** Every statement of every inline policy of a role. */
export function roleStatements(t: Template, logicalId: string): Statement[] {
  const role = t.Resources[logicalId];
  return (role?.Properties?.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement);
}

export const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
export const resources = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
