/**
 * Runs scripts/build.ts with esbuild alone (a production dependency), no tsx: `npm run build` and
 * `prepare` (so `npm ci`, even with --omit=dev, builds dist/), and bin/remediator.js when the CLI
 * bundle is older than the source. build.ts is compiled to a temporary module of its own per run.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/** What the CLI bundle is built from: a file (or folder) here newer than the bundle makes it stale. */
const SOURCES = ['src', 'sandbox', 'scripts'];

/** The newest mtime (ms) under the source folders, folders included (a deleted file changes its folder). */
export function newestSource(root = projectRoot) {
  let newest = 0;
  const walk = (dir) => {
    let entries;
    try {
      newest = Math.max(newest, statSync(dir).mtimeMs);
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    }
  };
  for (const s of SOURCES) walk(join(root, s));
  return newest;
}

/** scripts/build.ts as a module (compiled by esbuild into dist/, imported, then deleted). */
export async function importBuildScript(root = projectRoot) {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(root, 'scripts/build.ts')],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  mkdirSync(join(root, 'dist'), { recursive: true });
  const tmp = join(root, 'dist', `.build-script-${process.pid}-${randomBytes(4).toString('hex')}.mjs`);
  try {
    writeFileSync(tmp, result.outputFiles[0].contents);
    return await import(pathToFileURL(tmp).href);
  } finally {
    rmSync(tmp, { force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { buildAll } = await importBuildScript();
  await buildAll({ projectRoot });
}
