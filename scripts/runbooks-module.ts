/**
 * The runbook registry is derived from the files in src/runbooks/, never kept by hand: this module
 * writes the source of the virtual module `virtual:runbooks` (one import per remediation file) and
 * wraps it as an esbuild plugin (Lambda bundles, the CLI) and a Vite plugin (tests).
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plugin as EsbuildPlugin } from 'esbuild';

export const VIRTUAL_ID = 'virtual:runbooks';

/** Remediation files: src/runbooks/*.ts, except helpers whose name starts with '_' and tests. */
export function runbookFiles(root: string): string[] {
  const dir = resolve(root, 'src/runbooks');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.startsWith('_') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => join(dir, f));
}

export function runbooksModuleSource(root: string): string {
  const files = runbookFiles(root);
  const imports = files.map((f, i) => `import m${i} from ${JSON.stringify(f)};`).join('\n');
  const list = files.map(
    (f, i) => `{ file: ${JSON.stringify(f.slice(resolve(root).length + 1))}, remediation: m${i} }`,
  );
  return `${imports}\nexport default [${list.join(', ')}];\n`;
}

export function esbuildRunbooksPlugin(root: string): EsbuildPlugin {
  return {
    name: 'runbooks-registry',
    setup(build) {
      // Side-effect free: a bundle that never reads the remediations (the agent sweep) carries none.
      build.onResolve({ filter: /^virtual:runbooks$/ }, () => ({
        path: VIRTUAL_ID,
        namespace: 'runbooks',
        sideEffects: false,
      }));
      build.onLoad({ filter: /.*/, namespace: 'runbooks' }, () => ({
        contents: runbooksModuleSource(root),
        loader: 'ts',
        resolveDir: resolve(root, 'src/runbooks'),
        watchDirs: [resolve(root, 'src/runbooks')],
      }));
    },
  };
}

export function viteRunbooksPlugin(root: string) {
  const resolved = '\0' + VIRTUAL_ID;
  return {
    name: 'runbooks-registry',
    resolveId: (id: string) => (id === VIRTUAL_ID ? resolved : undefined),
    load: (id: string) => (id === resolved ? runbooksModuleSource(root) : undefined),
  };
}
