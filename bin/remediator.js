#!/usr/bin/env node
// Builds the CLI bundle from the current source (so a new remediation file is seen at once), then runs it.
import { tsImport } from 'tsx/esm/api';

const { buildCli } = await tsImport('../scripts/build.ts', import.meta.url);
const entry = await buildCli();
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
