#!/usr/bin/env node
// Builds the CLI bundle from the current source (so a new remediation file is seen at once), then runs it.
import { tsImport } from 'tsx/esm/api';

// The lockfile pins SDK versions that support this Node; the SDK's notice about its future Node 22
// requirement (README "The two commands") would otherwise interleave with every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { buildCli } = await tsImport('../scripts/build.ts', import.meta.url);
const entry = await buildCli();
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
