/**
 * Builds one minified esbuild bundle per Lambda function (src/handlers/<name>.ts → .build/<name>/index.mjs)
 * with the AWS SDK bundled, plus the CLI (.build/cli/index.mjs). serverless.yml packages these folders.
 */
import { build, type BuildOptions } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { esbuildRunbooksPlugin } from './runbooks-module.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function handlerNames(projectRoot = root): string[] {
  return readdirSync(resolve(projectRoot, 'src/handlers'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
}

/** Options shared by the Lambda bundles and the cold-start benchmark's "tuned" variant. */
export function lambdaBuildOptions(projectRoot: string, name: string): BuildOptions {
  return {
    entryPoints: [resolve(projectRoot, 'src/handlers', `${name}.ts`)],
    outfile: resolve(projectRoot, '.build', name, 'index.mjs'),
    bundle: true,
    minify: true,
    sourcemap: false,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    legalComments: 'none',
    // Lambda passes credentials in the environment: bundle only that provider (see the file).
    alias: { '@aws-sdk/credential-provider-node': resolve(projectRoot, 'src/adapters/credentials-env.ts') },
    // Some CommonJS dependencies call require() at run time; give the ESM bundle one.
    banner: { js: cliBanner },
    plugins: [esbuildRunbooksPlugin(projectRoot)],
    logLevel: 'silent',
  };
}

const cliBanner =
  "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

/** Bundles the CLI (dependencies stay external) and returns the bundle's file URL. */
export async function buildCli(projectRoot = root): Promise<string> {
  const outfile = resolve(projectRoot, '.build/cli/index.mjs');
  await build({
    entryPoints: [resolve(projectRoot, 'src/cli/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    banner: { js: cliBanner },
    plugins: [esbuildRunbooksPlugin(projectRoot)],
    logLevel: 'silent',
  });
  return pathToFileURL(outfile).href;
}

export async function buildAll(opts: { quiet?: boolean; projectRoot?: string } = {}): Promise<string[]> {
  const projectRoot = opts.projectRoot ?? root;
  const names = handlerNames(projectRoot);
  rmSync(resolve(projectRoot, '.build'), { recursive: true, force: true });
  await Promise.all([
    ...names.map((name) => build(lambdaBuildOptions(projectRoot, name))),
    buildCli(projectRoot),
  ]);
  if (!opts.quiet) console.log(`built ${names.length} function bundle(s): ${names.join(', ')} and the CLI`);
  return names;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildAll();
}
