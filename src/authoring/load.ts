/**
 * Loads a project's remediations the way the bundles see them: the same file list as the
 * `virtual:runbooks` registry (scripts/runbooks-module.ts), bundled by esbuild from that project's
 * source. Each file is loaded on its own, so one that throws (a bad id, a typo) is reported against
 * its file instead of stopping the rest, and duplicate ids reach the check instead of crashing the
 * registry.
 */
import { build, type Message } from 'esbuild';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runbookFiles } from '../../scripts/runbooks-module.ts';
import type { Remediation, RemediationExample } from '../core/remediation.ts';
import type { Action } from '../model/types.ts';
import type { AwsDocument } from '../runbooks/_aws-documents.ts';
import type { CheckInput, LoadedRunbook } from './check.ts';
import type { Problem } from './problem.ts';
import type { Tainted } from './taint.ts';

interface LoaderModule {
  runExample(r: Remediation, ex: RemediationExample): string[];
  planActions(r: Remediation, ex: RemediationExample): Action[];
  taintedByExample(r: Remediation, ex: RemediationExample): Tainted[];
  AWS_DOCUMENTS: Record<string, AwsDocument>;
  loaders: Array<() => Promise<{ default?: unknown }>>;
}

const BANNER = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

/** Everything `checkRemediations` needs for the project at `root`, or the build problems that prevent it. */
export async function loadProject(root: string): Promise<{ input?: CheckInput; problems: Problem[] }> {
  const projectRoot = resolve(root);
  const files = runbookFiles(projectRoot);
  const src = (p: string) => JSON.stringify(resolve(projectRoot, p));
  const entrySource = [
    `export { runExample, planActions, taintedByExample } from ${src('src/authoring/bridge.ts')};`,
    `export { AWS_DOCUMENTS } from ${src('src/runbooks/_aws-documents.ts')};`,
    `export const loaders = [${files.map((f) => `() => import(${JSON.stringify(f)})`).join(', ')}];`,
  ].join('\n');

  const out = mkdtempSync(join(tmpdir(), 'remediator-check-'));
  try {
    const entry = join(out, 'entry.ts');
    writeFileSync(entry, entrySource);
    const result = await build({
      entryPoints: [entry],
      outdir: out,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      banner: { js: BANNER },
      logLevel: 'silent',
      write: true,
    }).catch((e: unknown) => ({ errors: (e as { errors?: Message[] }).errors ?? [], failed: e }));
    if ('failed' in result) {
      const problems = result.errors.map((m) => ({
        file: m.location ? relative(projectRoot, resolve(projectRoot, m.location.file)) : '(build)',
        field: m.location ? `line ${m.location.line}` : '(build)',
        message: m.text,
      }));
      if (problems.length === 0)
        problems.push({ file: '(build)', field: '(build)', message: String(result.failed) });
      return { problems };
    }
    const mod = (await import(/* @vite-ignore */ pathToFileURL(join(out, 'entry.mjs')).href)) as LoaderModule;
    const runbooks: LoadedRunbook[] = [];
    for (const [i, file] of files.entries()) {
      const rel = relative(projectRoot, file);
      try {
        const m = await mod.loaders[i]!();
        runbooks.push({ file: rel, remediation: m.default });
      } catch (e) {
        runbooks.push({ file: rel, error: e instanceof Error ? e.message : String(e) });
      }
    }
    const runbooksDir = resolve(projectRoot, 'src/runbooks');
    const docsDir = join(runbooksDir, 'documents');
    const documentFiles = existsSync(docsDir)
      ? readdirSync(docsDir)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
          .map((f) => `documents/${f}`)
      : [];
    return {
      problems: [],
      input: {
        runbooks,
        documentFiles,
        readRunbookFile: (p) => {
          const abs = resolve(runbooksDir, p);
          return abs.startsWith(runbooksDir) && existsSync(abs) ? readFileSync(abs, 'utf8') : undefined;
        },
        awsDocuments: mod.AWS_DOCUMENTS,
        runExample: mod.runExample,
        planActions: mod.planActions,
        taintedByExample: mod.taintedByExample,
      },
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
