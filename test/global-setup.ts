/**
 * Runs once before the whole suite: builds the Lambda bundles from the current source (integration
 * tests run them), and packages the service once with `serverless package` on a copy of the project,
 * so every test that reads the CloudFormation template (or deploys it into the sandbox) shares it.
 */
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Folder holding cloudformation-template-update-stack.json of the packaged service (stage `test`). */
    packagedDir: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const { buildAll } = await import('../scripts/build.ts');
  const { copyProject, packageService } = await import('./helpers/package.ts');
  await buildAll({ quiet: true });
  const root = copyProject();
  const out = join(root, '.package');
  await packageService(root, out);
  project.provide('packagedDir', out);
}
