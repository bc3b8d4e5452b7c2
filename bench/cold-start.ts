/**
 * Cold-start benchmark. For every function, in one run, next to baselines built and measured in the
 * same run (never hard-coded timings):
 * - the bundle we ship (scripts/build.ts lambdaBuildOptions) and its top contributors (esbuild metafile);
 * - a naive bundle of the same entry (no minify, CommonJS entry points first, the SDK's full credential
 *   chain): what a first bundling attempt looks like;
 * - a reference: a naive bundle of nothing but @aws-sdk/client-ssm, @aws-sdk/client-sns, @middy/core
 *   and the Powertools Logger;
 * - module load time (median of RUNS fresh Node processes, the three variants interleaved);
 * - the first invocation (init + handling one example event against a sandbox account over HTTP, in a
 *   fresh process: the cold start a user pays), shipped vs naive (median of INVOKE_RUNS), each function
 *   against a fresh account.
 * Exits non-zero when a goal (GOALS below) is missed by more than the noise margin.
 *
 *   npm run bench            (RUNS=15 INVOKE_RUNS=7 for more samples; FUNCTIONS=remediate,complete for some)
 *   COMPARE=../old-checkout npm run bench    also measures that checkout's shipped bundles in the same run
 */
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startSandboxAccount, type SandboxAccount } from '../sandbox/account.ts';
import { handlerNames, lambdaBuildOptions } from '../scripts/build.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.RUNS ?? 9);
const invokeRuns = Number(process.env.INVOKE_RUNS ?? 5);
const out = join(tmpdir(), `remediator-bench-${process.pid}`);

/** The goals (issue 13), and how far a timing may miss one before the run fails (noise on a shared machine). */
export const GOALS = { maxKib: 450, maxVsNaive: 0.4, maxVsReference: 0.6 };
const NOISE = 0.1;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

const probeEnv = { ...process.env, AWS_REGION: 'us-east-1', NODE_OPTIONS: '' };

/** Load time of one bundle in a fresh process: import the module, measured from inside. */
function loadMs(file: string): number {
  const probe = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});console.log(performance.now()-t)`;
  return Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
      env: probeEnv,
      encoding: 'utf8',
    }).trim(),
  );
}

/** Import + one invocation in a fresh process with the function's environment; ms from the import on. */
async function firstInvocationMs(file: string, env: Record<string, string>, event: unknown): Promise<number> {
  const probe = `const t=performance.now();const m=await import(${JSON.stringify(pathToFileURL(file).href)});
const e=JSON.parse(process.env.BENCH_EVENT);const c=JSON.parse(process.env.BENCH_CONTEXT);
c.getRemainingTimeInMillis=()=>30000;
let ok=true;try{await m.handler(e,c)}catch(x){ok=false;console.error(x)}
console.log(JSON.stringify({ms:performance.now()-t,ok}));process.exit(0)`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe], {
    env: { ...env, BENCH_EVENT: JSON.stringify(event) },
    maxBuffer: 64 * 1024 * 1024,
  });
  const last = JSON.parse(stdout.trim().split('\n').pop()!) as { ms: number; ok: boolean };
  if (!last.ok) throw new Error(`${file}: the first invocation failed`);
  return last.ms;
}

const example = (name: string) => readFileSync(join(root, 'examples/events', `${name}.json`), 'utf8');

/** One example event per function; a fresh id (and resource, where it would dedupe) each time. */
function eventFor(fn: string, run: number): unknown {
  const id = randomUUID();
  const hex = run.toString(16).padStart(17, '0');
  const withId = (text: string) => ({ ...JSON.parse(text), id });
  switch (fn) {
    case 'remediate':
      return withId(
        example('config-rules-compliance-change-noncompliant').replaceAll(
          'sg-0a1b2c3d4e5f67890',
          `sg-${hex}`,
        ),
      );
    case 'complete':
      return withId(example('ssm-automation-execution-status-change'));
    case 'patch-fanout':
      return {
        Records: [
          {
            messageId: id,
            body: JSON.stringify(withId(example('ssm-configuration-compliance-patch-noncompliant'))),
          },
        ],
      };
    default:
      return withId(example('scheduled-event-agent-health-poll'));
  }
}

function lambdaEnv(acct: SandboxAccount, fn: string): Record<string, string> {
  const spec = acct.fn(fn.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()));
  const context = {
    functionName: spec.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: spec.arn,
    memoryLimitInMB: String(spec.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${spec.name}`,
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true,
  };
  return {
    ...(process.env as Record<string, string>),
    ...spec.environment,
    ...acct.env(),
    NODE_OPTIONS: '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    BENCH_CONTEXT: JSON.stringify(context),
  };
}

/** Bytes in the output by package (or src/<dir>), largest first. */
function contributors(meta: Metafile | undefined, top: number): string {
  const by = new Map<string, number>();
  for (const o of Object.values(meta?.outputs ?? {})) {
    for (const [input, { bytesInOutput }] of Object.entries(o.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = m ? m[1]! : input.startsWith('src/') ? `src/${input.split('/')[1]}` : input;
      by.set(key, (by.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...by]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${k} ${(v / 1024).toFixed(0)}`)
    .join(', ');
}

const kib = (meta: Metafile | undefined) =>
  Object.values(meta?.outputs ?? {}).reduce((n, o) => n + o.bytes, 0) / 1024;

interface Row {
  fn: string;
  kib: number;
  naiveKib: number;
  ms: number;
  naiveMs: number;
  refMs: number;
  firstMs: number;
  naiveFirstMs: number;
  top: string;
  /** The COMPARE checkout's shipped bundle of the same function, measured in the same loops. */
  compare?: { kib: number; ms: number; firstMs: number; top: string };
}

async function main(): Promise<number> {
  mkdirSync(out, { recursive: true });
  const only = process.env.FUNCTIONS?.split(',');
  const fns = handlerNames(root).filter((f) => !only || only.includes(f));
  const shipped = lambdaBuildOptions(root, fns[0]!);
  // The naive options: esbuild's defaults for a Node bundle; no minify, CommonJS entry points first.
  const naive = (o: BuildOptions): BuildOptions => {
    const { alias: _alias, ...rest } = o;
    return { ...rest, minify: false, mainFields: ['main', 'module'], metafile: true };
  };
  const reference = join(out, 'reference.mjs');
  const ref = await build({
    ...naive(shipped),
    entryPoints: undefined,
    stdin: {
      contents: `export { SSMClient } from '@aws-sdk/client-ssm'; export { SNSClient } from '@aws-sdk/client-sns';
export { default as middy } from '@middy/core'; export { Logger } from '@aws-lambda-powertools/logger';`,
      resolveDir: root,
      loader: 'ts',
    },
    plugins: [],
    outfile: reference,
  });

  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const compareRoot = process.env.COMPARE ? resolve(process.env.COMPARE) : undefined;
  const compareBuild = compareRoot
    ? ((await import(pathToFileURL(join(compareRoot, 'scripts/build.ts')).href)) as {
        lambdaBuildOptions: typeof lambdaBuildOptions;
      })
    : undefined;
  const rows: Row[] = [];
  try {
    for (const fn of fns) {
      const opts = lambdaBuildOptions(root, fn);
      const tuned = join(out, fn, 'index.mjs');
      const base = join(out, fn, 'naive.mjs');
      const other = join(out, fn, 'compare.mjs');
      const t = await build({ ...opts, outfile: tuned, metafile: true });
      const b = await build({ ...naive(opts), outfile: base });
      const c =
        compareRoot &&
        (await build({
          ...compareBuild!.lambdaBuildOptions(compareRoot, fn),
          outfile: other,
          metafile: true,
        }));
      const ts: number[] = [];
      const bs: number[] = [];
      const rs: number[] = [];
      const cs: number[] = [];
      for (let i = 0; i < runs; i++) {
        ts.push(loadMs(tuned));
        bs.push(loadMs(base));
        rs.push(loadMs(reference));
        if (c) cs.push(loadMs(other));
      }
      // A fresh account per function: what one function's probes leave (its starts, the events
      // its runs put on the bus, what those wake) does not slow the next function's.
      const acct = await startSandboxAccount({ schedules: false });
      const tf: number[] = [];
      const bf: number[] = [];
      const cf: number[] = [];
      try {
        const env = lambdaEnv(acct, fn);
        for (let i = 0; i < invokeRuns; i++) {
          tf.push(await firstInvocationMs(tuned, env, eventFor(fn, 3 * i)));
          bf.push(await firstInvocationMs(base, env, eventFor(fn, 3 * i + 1)));
          if (c) cf.push(await firstInvocationMs(other, env, eventFor(fn, 3 * i + 2)));
        }
      } finally {
        await acct.close();
      }
      rows.push({
        fn,
        kib: kib(t.metafile),
        naiveKib: kib(b.metafile),
        ms: median(ts),
        naiveMs: median(bs),
        refMs: median(rs),
        firstMs: median(tf),
        naiveFirstMs: median(bf),
        top: contributors(t.metafile, 6),
        ...(c
          ? {
              compare: {
                kib: kib(c.metafile),
                ms: median(cs),
                firstMs: median(cf),
                top: contributors(c.metafile, 6),
              },
            }
          : {}),
      });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }

  const cols: Array<[string, number]> = [
    ['function', 14],
    ['KiB', 6],
    ['naive KiB', 11],
    ['load ms', 9],
    ['naive ms', 10],
    ['ref ms', 8],
    ['×naive', 8],
    ['×ref', 7],
    ['1st inv ms', 12],
    ['naive 1st', 11],
    ['×naive', 8],
  ];
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(cols[i]![1]) : c.padStart(cols[i]![1]))).join('');
  console.log(
    `cold start, node ${process.version}: module load median of ${runs} fresh processes, first invocation ` +
      `(import + one event against the sandbox) median of ${invokeRuns}; reference bundle ${kib(ref.metafile).toFixed(0)} KiB\n`,
  );
  console.log(line(cols.map(([c]) => c)));
  const missed: string[] = [];
  for (const r of rows) {
    const vsNaive = r.ms / r.naiveMs;
    const vsRef = r.ms / r.refMs;
    if (r.kib > GOALS.maxKib) missed.push(`${r.fn}: ${r.kib.toFixed(0)} KiB > ${GOALS.maxKib} KiB`);
    if (vsNaive > GOALS.maxVsNaive * (1 + NOISE))
      missed.push(`${r.fn}: load ${vsNaive.toFixed(2)}× its naive bundle > ${GOALS.maxVsNaive}×`);
    if (vsRef > GOALS.maxVsReference * (1 + NOISE))
      missed.push(`${r.fn}: load ${vsRef.toFixed(2)}× the reference > ${GOALS.maxVsReference}×`);
    console.log(
      line([
        r.fn,
        r.kib.toFixed(0),
        r.naiveKib.toFixed(0),
        r.ms.toFixed(1),
        r.naiveMs.toFixed(1),
        r.refMs.toFixed(1),
        vsNaive.toFixed(2),
        vsRef.toFixed(2),
        r.firstMs.toFixed(0),
        r.naiveFirstMs.toFixed(0),
        (r.firstMs / r.naiveFirstMs).toFixed(2),
      ]),
    );
  }
  console.log('\ntop contributors to each shipped bundle (KiB, esbuild metafile):');
  for (const r of rows) console.log(`  ${r.fn.padEnd(13)} ${r.top}`);
  if (compareRoot) {
    console.log(`\nsame run, the shipped bundles of ${compareRoot} → this checkout's:`);
    console.log(
      line(['function', 'KiB', '→ KiB', 'load ms', '→ ms', '', '×ref', '→ ×ref', '1st inv ms', '→ ms']),
    );
    for (const r of rows) {
      const o = r.compare!;
      console.log(
        line([
          r.fn,
          o.kib.toFixed(0),
          r.kib.toFixed(0),
          o.ms.toFixed(1),
          r.ms.toFixed(1),
          '',
          (o.ms / r.refMs).toFixed(2),
          (r.ms / r.refMs).toFixed(2),
          o.firstMs.toFixed(0),
          r.firstMs.toFixed(0),
        ]),
      );
    }
    for (const r of rows) console.log(`  ${r.fn.padEnd(13)} ${r.compare!.top}`);
  }
  console.log(
    `\ngoals: bundle ≤ ${GOALS.maxKib} KiB, load ≤ ${GOALS.maxVsNaive}× own naive and ≤ ${GOALS.maxVsReference}× the reference (timings may miss by ${NOISE * 100}% for noise)`,
  );
  if (missed.length) console.log(`missed:\n  ${missed.join('\n  ')}`);
  else console.log('all goals met');
  return missed.length ? 1 : 0;
}

process.exitCode = await main();
