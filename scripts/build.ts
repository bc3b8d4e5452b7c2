/**
 * Builds one minified esbuild bundle per Lambda function (src/handlers/<name>.ts → .build/<name>/index.mjs)
 * with the AWS SDK bundled (serverless.yml packages these folders), plus the CLI (dist/cli/index.mjs,
 * which bin/remediator.js runs). `npm run build` and `prepare` run it through scripts/run-build.mjs
 * (esbuild only, no tsx); `tsx scripts/build.ts` works too.
 */
import { build, type BuildOptions } from 'esbuild';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { esbuildRunbooksPlugin } from './runbooks-module.ts';
import { sdkSlimPlugin } from './sdk-slim.ts';

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
    // No operation the functions call streams events: the SDK's event-stream codec stays out (see the file).
    // DynamoDB's endpoint-discovery cache gets a Map-based LRU instead of mnemonist's (see the file).
    alias: {
      'mnemonist/lru-cache': resolve(projectRoot, 'src/adapters/lru-map.ts'),
      '@aws-sdk/credential-provider-node': resolve(projectRoot, 'src/adapters/credentials-env.ts'),
      '@smithy/core/event-streams': resolve(projectRoot, 'src/adapters/no-event-streams.ts'),
    },
    // Some CommonJS dependencies call require() at run time; give the ESM bundle one.
    banner: { js: cliBanner },
    // The SDK clients' modeled error classes and package.json stay out (see the file).
    plugins: [esbuildRunbooksPlugin(projectRoot), sdkSlimPlugin()],
    logLevel: 'silent',
  };
}

const cliBanner =
  "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

/** The CLI bundle, relative to the project root (git-ignored; bin/remediator.js runs it). */
export const CLI_BUNDLE = 'dist/cli/index.mjs';

/**
 * Bundles the CLI (dependencies stay external: they are the package's `dependencies`) and returns the
 * bundle's file URL. Atomic: written to a temporary file in the same folder, then renamed over the
 * old bundle, so a concurrent run imports either the old or the new one, never half a file. Its mtime
 * is the build's start (less a second for coarse file-system clocks): a source saved during the build
 * is newer, so bin/remediator.js rebuilds again.
 */
export async function buildCli(projectRoot = root): Promise<string> {
  const started = new Date(Date.now() - 1000);
  const outfile = resolve(projectRoot, CLI_BUNDLE);
  const result = await build({
    entryPoints: [resolve(projectRoot, 'src/cli/main.ts')],
    outfile,
    write: false,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    banner: { js: cliBanner },
    plugins: [esbuildRunbooksPlugin(projectRoot)],
    logLevel: 'silent',
  });
  mkdirSync(dirname(outfile), { recursive: true });
  const tmp = `${outfile}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, result.outputFiles[0]!.contents);
    utimesSync(tmp, started, started);
    renameSync(tmp, outfile);
  } finally {
    rmSync(tmp, { force: true });
  }
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
  if (!opts.quiet)
    console.log(
      `built ${names.length} function bundle(s) in .build/: ${names.join(', ')}, and the CLI: ${CLI_BUNDLE}`,
    );
  return names;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildAll();
}
