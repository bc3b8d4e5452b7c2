/**
 * Runs once before the whole suite: builds the Lambda bundles from the current source (integration
 * tests run them), and packages the service once with `serverless package` on a copy of the project,
 * so every test that reads the CloudFormation template (or deploys it into the sandbox) shares it.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Folder holding cloudformation-template-update-stack.json and the zips of the packaged service (stage `sandbox`). */
    packagedDir: string;
  }
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export default async function setup(project: TestProject): Promise<void> {
  const { buildAll } = await import('../scripts/build.ts');
  const { packageService } = await import('../sandbox/template.ts');
  await buildAll({ quiet: true });
  // Stage `sandbox`: the sandbox integration tests and the rehearsal deploy this same package.
  const out = await packageService({ projectRoot: root, stage: 'sandbox', region: 'us-east-1' });
  project.provide('packagedDir', out);
}
