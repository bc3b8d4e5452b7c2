#!/usr/bin/env node
// Runs the CLI built into dist/cli/index.mjs (`npm run build`; `npm ci`/`npm install` build it through
// `prepare`). When a file under src/, sandbox/ or scripts/ is newer than that build (an author just added
// src/runbooks/<id>.ts) it rebuilds first, with esbuild: atomically, so concurrent runs are safe.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importBuildScript, newestSource, projectRoot } from '../scripts/run-build.mjs';

// The lockfile pins SDK versions that support this Node; the SDK's notice about its future Node 22
// requirement (README "The two commands") would otherwise interleave with every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `remediator … | head` closes the pipe early: stop quietly, like other command-line tools.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const bundle = join(projectRoot, 'dist/cli/index.mjs');
const built = statSync(bundle, { throwIfNoEntry: false })?.mtimeMs;
if (built === undefined || newestSource() > built) {
  try {
    const { buildCli } = await importBuildScript();
    await buildCli(projectRoot);
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    if (built === undefined) {
      process.stderr.write(
        `remediator: cannot build dist/cli/index.mjs (${why}): run npm install, then npm run build\n`,
      );
      process.exit(1);
    }
    process.stderr.write(
      `remediator: src/ is newer than dist/ but the rebuild failed (${why}); running the old build\n`,
    );
  }
}
const { main } = await import(pathToFileURL(bundle).href);
process.exitCode = await main(process.argv.slice(2));
