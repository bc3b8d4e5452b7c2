/**
 * Packaging for tests: `serverless package` writes the CloudFormation template offline, always on a
 * copy of the project (sandbox/template.ts): the plugin rebuilds .build/, which other tests read.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { TriggerFamily } from '../../src/model/types.ts';
import {
  copyProject as copySandboxProject,
  packageService as packageSandboxService,
  readTemplate,
} from '../../sandbox/template.ts';

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

/** Copies the project to a new temporary folder (node_modules symlinked) and returns its root. */
export const copyProject = (from = projectRoot): string => copySandboxProject(from);

/** Runs `serverless package --stage test --package <outDir>` on `root` and returns the update-stack template. */
export async function packageService(root: string, outDir: string): Promise<Template> {
  await packageSandboxService({ projectRoot: root, stage: 'test', outDir });
  return readTemplate(outDir) as unknown as Template;
}

/** The roles the engine acts from, with the trigger families each one's function runs (the plugin's own map). */
export const ROLE_FAMILIES = (
  createRequire(import.meta.url)('../../serverless/remediator-plugin.cjs') as {
    ACTING_ROLES: Record<string, TriggerFamily[]>;
  }
).ACTING_ROLES;
export const ACTING_ROLES = Object.keys(ROLE_FAMILIES);
/** The acting roles that get the statements of remediations of this trigger family. */
export const rolesFor = (family: TriggerFamily): string[] =>
  ACTING_ROLES.filter((role) => ROLE_FAMILIES[role]!.includes(family));

/** Every statement of every inline policy of a role. */
export function roleStatements(t: Template, logicalId: string): Statement[] {
  const role = t.Resources[logicalId];
  return (role?.Properties?.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement);
}

export const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
export const resources = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
