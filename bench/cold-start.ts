/**
 * Cold-start benchmark: for every function, the bundle size and the module load time (median of
 * several fresh Node processes) of the tuned bundle we ship, next to a naively bundled baseline
 * built in the same run (no minify, CommonJS entry points first). Prints a table; exits non-zero
 * if a tuned bundle loads slower than its baseline by more than the noise margin.
 *
 *   npm run bench            (RUNS=15 npm run bench for more samples)
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { handlerNames, lambdaBuildOptions } from '../scripts/build.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.RUNS ?? 9);
const out = join(tmpdir(), `remediator-bench-${process.pid}`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Load time of one bundle in a fresh process: import the module, measured from inside. */
function loadMs(file: string): number {
  const probe = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});console.log(performance.now()-t)`;
  const env = { ...process.env, AWS_REGION: 'us-east-1', NODE_OPTIONS: '' };
  return Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', probe], { env, encoding: 'utf8' }).trim(),
  );
}

interface Row {
  fn: string;
  tunedKb: number;
  baseKb: number;
  tunedMs: number;
  baseMs: number;
}

async function main(): Promise<number> {
  mkdirSync(out, { recursive: true });
  const rows: Row[] = [];
  for (const fn of handlerNames(root)) {
    const tunedOpts = lambdaBuildOptions(root, fn);
    const tuned = join(out, fn, 'tuned.mjs');
    const base = join(out, fn, 'baseline.mjs');
    await build({ ...tunedOpts, outfile: tuned });
    // The naive baseline: what a first bundling attempt looks like (defaults, no minify, CJS entry points).
    await build({ ...tunedOpts, outfile: base, minify: false, mainFields: ['main', 'module'] });
    const t: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < runs; i++) {
      t.push(loadMs(tuned));
      b.push(loadMs(base));
    }
    rows.push({
      fn,
      tunedKb: statSync(tuned).size / 1024,
      baseKb: statSync(base).size / 1024,
      tunedMs: median(t),
      baseMs: median(b),
    });
  }
  rmSync(out, { recursive: true, force: true });

  const pad = (s: string, n: number) => s.padStart(n);
  console.log(`cold start: module load, median of ${runs} fresh processes (node ${process.version})\n`);
  console.log(
    `${'function'.padEnd(16)}${pad('bundle KiB', 12)}${pad('baseline KiB', 14)}${pad('load ms', 10)}${pad('baseline ms', 13)}${pad('change', 9)}`,
  );
  let worse = 0;
  for (const r of rows) {
    const change = ((r.tunedMs - r.baseMs) / r.baseMs) * 100;
    if (change > 10) worse++;
    console.log(
      `${r.fn.padEnd(16)}${pad(r.tunedKb.toFixed(0), 12)}${pad(r.baseKb.toFixed(0), 14)}${pad(r.tunedMs.toFixed(1), 10)}${pad(r.baseMs.toFixed(1), 13)}${pad(`${change >= 0 ? '+' : ''}${change.toFixed(0)}%`, 9)}`,
    );
  }
  if (worse) console.log(`\n${worse} function(s) load more than 10% slower than the naive baseline`);
  return worse ? 1 : 0;
}

process.exitCode = await main();
