/**
 * Lambda for the sandbox: each function's real bundle runs in its own `worker_threads` Worker (one warm
 * container reused across invocations, more up to a concurrency limit), with the function's resolved
 * Environment plus what Lambda sets (AWS_LAMBDA_FUNCTION_NAME, AWS_REGION, ...) and the sandbox endpoint
 * (`AWS_ENDPOINT_URL`), so the bundle's own SDK clients talk to the sandbox over HTTP.
 *
 * `invoke` is a synchronous (RequestResponse) invocation. Lambda's asynchronous queue (retries, the
 * on-failure destination) and the SQS event-source mappings live in ./bus.ts.
 *
 * Every line a container writes to stdout/stderr is kept (`logs`), tagged with the invocation's request id.
 *
 * Time: a container sees the sandbox's simulated time (its Date, timers and deadline; see CLOCK_BOOTSTRAP).
 * On a virtual clock invocations take turns (one runs at a time, in the order asked); a container that has
 * nothing left but its own timers parks and gives the turn back until the clock reaches its next timer.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SimClock } from './clock.ts';
import { createIds, createRng } from './rng.ts';

export interface FunctionSpec {
  /** Physical name, e.g. 'ssm-remediator-sandbox-remediate'. */
  name: string;
  /** The serverless.yml key, e.g. 'remediate'. */
  shortName: string;
  logicalId: string;
  arn: string;
  /** As in the template, e.g. '.build/remediate/index.handler'. */
  handler: string;
  /** The unpacked code root (LAMBDA_TASK_ROOT). */
  codeDir: string;
  /** The function's resolved Environment.Variables. */
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  runtime: string;
  /** Max concurrent containers (default: the runtime's limit). */
  concurrency?: number;
  /** The execution role's ARN (from the template). */
  roleArn?: string;
  /** The containers' credentials: the sandbox's IAM maps this access key id to the function's role. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
}

export interface LogLine {
  functionName: string;
  requestId?: string;
  stream: 'stdout' | 'stderr';
  text: string;
  /** The line parsed, when it is a JSON object (Powertools structured logs). */
  json?: Record<string, unknown>;
  at: Date;
}

export interface LambdaError {
  errorType: string;
  errorMessage: string;
  stackTrace?: string[];
}

export interface InvocationRecord {
  requestId: string;
  functionName: string;
  /** What invoked it: 'event' (async, EventBridge), 'sqs', 'schedule', 'direct'. */
  trigger: string;
  /** Bus event ids the invocation carries. */
  eventIds: string[];
  /** 1 for the first attempt; Lambda's async retries count up. */
  attempt: number;
  coldStart: boolean;
  startedAt: Date;
  endedAt?: Date;
  /** Wall-clock run time. */
  durationMs?: number;
  ok?: boolean;
  payload?: unknown;
  error?: LambdaError;
  /** The container's V8 isolate right after the invocation (bytes). */
  memory?: ContainerMemory;
  logs: LogLine[];
}

/** A container's V8 isolate, in bytes: committed heap, used heap, off-heap (external + malloced). */
export interface ContainerMemory {
  heapTotal: number;
  heapUsed: number;
  external: number;
}

export interface InvokeOptions {
  trigger?: string;
  eventIds?: string[];
  attempt?: number;
  requestId?: string;
}

export interface LambdaRuntime {
  register(spec: FunctionSpec): void;
  functions(): FunctionSpec[];
  /** By physical name, short name, logical id or ARN (with or without qualifier). */
  get(ref: string): FunctionSpec | undefined;
  /** RequestResponse invocation; resolves with the record (ok or error), never rejects for function errors. */
  invoke(ref: string, event: unknown, opts?: InvokeOptions): Promise<InvocationRecord>;
  /** Like UpdateFunctionConfiguration: merge environment variables; warm containers are recycled. */
  updateEnvironment(ref: string, vars: Record<string, string>): void;
  invocations(ref?: string): InvocationRecord[];
  logs(ref?: string): LogLine[];
  /** Invocations running or waiting for a container. */
  busy(): number;
  onChange(listener: () => void): () => void;
  close(): Promise<void>;
}

export interface LambdaRuntimeOptions {
  clock: SimClock;
  /** The sandbox endpoint every container gets as AWS_ENDPOINT_URL. */
  endpoint: () => string;
  region: string;
  account: string;
  /** Per-function container limit (default 10). */
  concurrency?: number;
  /** Echo container output to the parent's stderr (debugging). */
  echo?: boolean;
  /** Seeds request ids, log stream names and each container's Math.random (default 1). */
  seed?: number;
}

/**
 * The container's clock (CommonJS, eval'd in the worker before the handler loads). The bundle sees the
 * sandbox's simulated time: `Date` (Date.now, new Date(), Date()) and the timers it arms (setTimeout,
 * setInterval: SDK retry backoff, our own waits). Sockets keep their own (real) timeouts.
 *
 * - virtual clock: time is frozen at the instant the main thread sent with the invocation (or with a
 *   wake-up), plus nothing: a timer the bundle arms is simulated. When the container has nothing left to
 *   do but wait for its timers (no socket, no real timer, no immediate), it tells the main thread
 *   `parked` with its next timer, and the main clock wakes it at that instant (`wake`).
 * - real clock: Date runs `speed` times faster from the instant sent; timers stay real.
 * Math.random is seeded per container, so jitter repeats with the seed.
 */
const CLOCK_BOOTSTRAP = `
const RealDate = Date;
const realSetTimeout = setTimeout;
const realSetImmediate = setImmediate;
const clockMode = workerData.clock.mode;
let simNow = workerData.clock.now;
let realBase = RealDate.now();
const nowMs = () => (clockMode === 'virtual' ? simNow : simNow + (RealDate.now() - realBase) * workerData.clock.speed);
const setNow = (ms) => { simNow = ms; realBase = RealDate.now(); };
function SimDate(...args) {
  if (!new.target) return new RealDate(nowMs()).toString();
  return Reflect.construct(RealDate, args.length === 0 ? [nowMs()] : args, new.target);
}
SimDate.prototype = RealDate.prototype;
SimDate.now = nowMs;
SimDate.parse = RealDate.parse;
SimDate.UTC = RealDate.UTC;
Object.defineProperty(SimDate, 'name', { value: 'Date' });
globalThis.Date = SimDate;
let rngState = workerData.clock.seed >>> 0;
Math.random = () => {
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const timers = new Map();
let timerSeq = 0;
class SimTimeout {
  constructor(id) { this._id = id; }
  ref() { return this; }
  unref() { return this; }
  hasRef() { return true; }
  refresh() { const t = timers.get(this._id); if (t) t.at = nowMs() + t.ms; return this; }
  close() { timers.delete(this._id); return this; }
  [Symbol.toPrimitive]() { return this._id; }
}
const arm = (fn, ms, args, repeat) => {
  if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
  const delay = Math.max(1, Number(ms) || 0);
  const id = ++timerSeq;
  timers.set(id, { id, at: nowMs() + delay, ms: delay, fn, args, repeat });
  // A zero delay is "as soon as possible", not a moment of simulated time: run it with a real timer.
  if (!(Number(ms) > 0)) realSetTimeout(() => { const t = timers.get(id); if (t && !t.repeat) { timers.delete(id); t.fn(...t.args); } }, 0);
  return new SimTimeout(id);
};
const realClearTimeout = clearTimeout;
const clear = (h) => {
  if (h instanceof SimTimeout) timers.delete(h._id);
  else if (typeof h === 'number' || typeof h === 'string') timers.delete(Number(h));
  else if (h) realClearTimeout(h);
};
if (clockMode === 'virtual') {
  // Both the globals and node:timers (middy's timeoutEarly imports it), for CommonJS and ESM importers.
  const sim = {
    setTimeout: (fn, ms, ...args) => arm(fn, ms, args, false),
    setInterval: (fn, ms, ...args) => arm(fn, ms, args, true),
    clearTimeout: clear,
    clearInterval: clear,
  };
  Object.assign(globalThis, sim);
  Object.assign(require('node:timers'), sim);
  require('node:module').syncBuiltinESMExports();
}
const nextDue = () => { let n = null; for (const t of timers.values()) if (n === null || t.at < n) n = t.at; return n; };
let epoch = 0;
let running = false;
let checking = false;
const fireDue = () => {
  let due;
  for (const t of timers.values()) if (t.at <= simNow && (!due || t.at < due.at || (t.at === due.at && t.id < due.id))) due = t;
  if (!due) return startParkCheck();
  if (due.repeat) due.at += due.ms; else timers.delete(due.id);
  realSetImmediate(fireDue);
  due.fn(...due.args);
};
const busyResources = () => process.getActiveResourcesInfo().filter((r) => r !== 'MessagePort').length;
const startParkCheck = () => {
  if (clockMode !== 'virtual' || checking || !running) return;
  checking = true;
  let idleChecks = 0;
  const check = () => {
    if (!running) { checking = false; return; }
    if (busyResources() === 0) idleChecks += 1; else idleChecks = 0;
    if (idleChecks >= 2) {
      checking = false;
      parentPort.postMessage({ type: 'parked', epoch, next: nextDue() });
      return;
    }
    // Checked from an immediate: a running timer still counts itself among the active resources.
    if (idleChecks > 0) realSetImmediate(check);
    else realSetTimeout(() => realSetImmediate(check), 1);
  };
  realSetImmediate(check);
};
const clockInvoke = (msg) => { epoch = msg.epoch; setNow(msg.now); running = true; fireDue(); };
const clockDone = () => { running = false; };
parentPort.on('message', (msg) => {
  if (msg.type !== 'wake' || msg.epoch !== epoch + 1 || !running) return;
  epoch = msg.epoch;
  setNow(msg.now);
  fireDue();
});
`;

/** The container bootstrap (CommonJS, eval'd in the worker): loads the handler once, runs invocations. */
const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
${CLOCK_BOOTSTRAP}
let loaded;
const load = () => (loaded ??= import(workerData.moduleUrl).then((m) => {
  const h = m[workerData.exportName] ?? (m.default && m.default[workerData.exportName]);
  if (typeof h !== 'function') {
    const e = new Error('Handler ' + workerData.handler + ' is undefined or not exported');
    e.name = 'Runtime.HandlerNotFound';
    throw e;
  }
  return h;
}));
const flush = (stream) => new Promise((r) => stream.write('', () => r()));
const errorOf = (e, fallback) => ({
  errorType: (e && e.name) || fallback,
  errorMessage: (e && e.message) || String(e),
  stackTrace: String((e && e.stack) || '').split('\\n').slice(1).map((s) => s.trim()),
});
parentPort.on('message', async (msg) => {
  if (msg.type !== 'invoke') return;
  clockInvoke(msg);
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: workerData.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: workerData.functionArn,
    memoryLimitInMB: String(workerData.memoryMb),
    awsRequestId: msg.requestId,
    logGroupName: '/aws/lambda/' + workerData.functionName,
    logStreamName: workerData.logStream,
    getRemainingTimeInMillis: () => Math.max(0, msg.deadline - Date.now()),
    done() {}, fail() {}, succeed() {},
  };
  let reply;
  let handler;
  try {
    handler = await load();
  } catch (e) {
    reply = { ok: false, init: true, error: errorOf(e, 'Runtime.ImportModuleError') };
  }
  if (handler) {
    try {
      const result = await new Promise((resolve, reject) => {
        const r = handler(msg.event, context, (err, value) => (err ? reject(err) : resolve(value)));
        if (r && typeof r.then === 'function') r.then(resolve, reject);
      });
      reply = { ok: true, payload: result === undefined ? null : JSON.parse(JSON.stringify(result)) };
    } catch (e) {
      reply = { ok: false, error: errorOf(e, 'Error') };
    }
  }
  clockDone();
  // This container's V8 isolate after the invocation (committed heap, off-heap buffers): what the
  // function's own code holds, for right-sizing its memory (bench/storm.ts). A Worker shares the
  // process's RSS, so RSS itself cannot be told apart per function.
  const hs = require('node:v8').getHeapStatistics();
  reply.memory = { heapTotal: hs.total_heap_size, heapUsed: hs.used_heap_size, external: hs.external_memory + hs.malloced_memory };
  process.stdout.write('\\u0000END ' + msg.requestId + '\\n');
  process.stderr.write('\\u0000END ' + msg.requestId + '\\n');
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  parentPort.postMessage({ type: 'result', requestId: msg.requestId, ...reply });
});
`;

interface Reply {
  type: 'result';
  requestId: string;
  ok: boolean;
  init?: boolean;
  payload?: unknown;
  error?: LambdaError;
  memory?: ContainerMemory;
}

/** The container has nothing left to do but wait for its simulated timers (the next one due at `next`). */
interface Parked {
  type: 'parked';
  epoch: number;
  next: number | null;
}

interface Running {
  record: InvocationRecord;
  reply?: Reply;
  ends: number;
  finish: (r: Reply) => void;
}

class Container {
  readonly worker: Worker;
  running?: Running;
  dead = false;
  invocations = 0;
  /** The running invocation's turn number, and what to do when the container parks (virtual clock). */
  private epoch = 0;
  private onParked: ((next: number | null) => void) | undefined;
  private partial = { stdout: '', stderr: '' };

  constructor(
    readonly spec: FunctionSpec,
    env: Record<string, string>,
    private readonly sinkLine: (line: LogLine) => void,
    private readonly clock: SimClock,
    private readonly echo: boolean,
    seed: number,
  ) {
    const { modulePath, exportName } = resolveHandler(spec);
    this.worker = new Worker(BOOTSTRAP, {
      eval: true,
      env,
      stdout: true,
      stderr: true,
      workerData: {
        moduleUrl: pathToFileURL(modulePath).href,
        exportName,
        handler: spec.handler,
        functionName: spec.name,
        functionArn: spec.arn,
        memoryMb: spec.memoryMb,
        logStream: env['AWS_LAMBDA_LOG_STREAM_NAME'],
        clock: { mode: clock.mode, speed: clock.speed, now: clock.now().getTime(), seed },
      },
      resourceLimits: { maxOldGenerationSizeMb: Math.max(128, spec.memoryMb) },
    });
    this.worker.unref();
    this.worker.stdout.on('data', (b: Buffer) => this.onData('stdout', b));
    this.worker.stderr.on('data', (b: Buffer) => this.onData('stderr', b));
    this.worker.on('message', (m: Reply | Parked) => {
      if (m.type === 'parked') {
        if (m.epoch === this.epoch) this.onParked?.(m.next);
        return;
      }
      if (m.type !== 'result' || !this.running || this.running.record.requestId !== m.requestId) return;
      this.running.reply = m;
      this.maybeFinish();
    });
    const crash = (why: LambdaError): void => {
      this.dead = true;
      const r = this.running;
      if (r) {
        r.ends = 2;
        r.finish({ type: 'result', requestId: r.record.requestId, ok: false, error: why });
      }
    };
    this.worker.on('error', (e: Error) =>
      crash({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: container crashed: ${e.message}` }),
    );
    this.worker.on('exit', (code) =>
      crash({
        errorType: 'Runtime.ExitError',
        errorMessage: `Runtime exited with error: exit status ${code}`,
      }),
    );
  }

  private onData(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const text = this.partial[stream] + chunk.toString('utf8');
    const lines = text.split('\n');
    this.partial[stream] = lines.pop() ?? '';
    for (const raw of lines) {
      if (raw.startsWith('\u0000END ')) {
        if (this.running && raw.slice(5) === this.running.record.requestId) {
          this.running.ends += 1;
          this.maybeFinish();
        }
        continue;
      }
      if (raw === '') continue;
      const line: LogLine = { functionName: this.spec.name, stream, text: raw, at: this.clock.now() };
      const requestId = this.running?.record.requestId;
      if (requestId) line.requestId = requestId;
      if (raw.startsWith('{')) {
        try {
          const parsed: unknown = JSON.parse(raw);
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
            line.json = parsed as Record<string, unknown>;
        } catch {
          // not JSON: keep the text
        }
      }
      if (this.echo) process.stderr.write(`[${this.spec.shortName}] ${raw}\n`);
      this.running?.record.logs.push(line);
      this.sinkLine(line);
    }
  }

  private maybeFinish(): void {
    const r = this.running;
    if (r?.reply && r.ends >= 2) r.finish(r.reply);
  }

  /**
   * One invocation. On a virtual clock it runs in turns: it takes the clock's turn to start, gives it
   * back when the container parks (nothing left but its own simulated timers), and takes it again when
   * the main clock reaches the container's next timer. The deadline is simulated (the function's
   * timeout after the start); a wall-clock watchdog of the same length catches a container that never
   * parks (a hung socket, an endless loop).
   */
  run(record: InvocationRecord, event: unknown): Promise<Reply> {
    return new Promise<Reply>((resolve) => {
      const clock = this.clock;
      const virtual = clock.mode === 'virtual';
      const timeoutMs = this.spec.timeoutSeconds * 1000;
      let epoch = 0;
      let finished = false;
      let releaseTurn: (() => void) | undefined;
      let cancelWake: (() => void) | undefined;
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      const timedOut = (): void => {
        this.dead = true;
        void this.worker.terminate();
        done({
          type: 'result',
          requestId: record.requestId,
          ok: false,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${record.requestId} Error: Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`,
          },
        });
      };
      const armWatchdog = (): void => {
        clearTimeout(watchdog);
        watchdog = setTimeout(timedOut, timeoutMs);
      };
      const cancelDeadline = virtual ? clock.after(timeoutMs, timedOut) : (): void => undefined;
      const done = (reply: Reply): void => {
        if (finished) return;
        finished = true;
        clearTimeout(watchdog);
        cancelDeadline();
        cancelWake?.();
        this.onParked = undefined;
        if (this.running?.record === record) this.running = undefined;
        releaseTurn?.();
        resolve(reply);
      };
      const takeTurn = (then: () => void): void => {
        void clock.turn().then((release) => {
          if (finished) return release();
          releaseTurn = release;
          armWatchdog();
          then();
        });
      };
      this.onParked = (next) => {
        if (finished) return;
        clearTimeout(watchdog);
        const release = releaseTurn;
        releaseTurn = undefined;
        cancelWake?.();
        cancelWake =
          next === null
            ? undefined
            : clock.after(Math.max(0, next - clock.now().getTime()), () => {
                cancelWake = undefined;
                takeTurn(() => {
                  epoch += 1;
                  this.epoch = epoch;
                  this.worker.postMessage({ type: 'wake', epoch, now: clock.now().getTime() });
                });
              });
        release?.();
      };
      this.running = { record, ends: 0, finish: done };
      this.invocations += 1;
      this.epoch = 0;
      takeTurn(() => {
        const now = clock.now().getTime();
        this.worker.postMessage({
          type: 'invoke',
          requestId: record.requestId,
          event,
          epoch: 0,
          now,
          deadline: now + timeoutMs,
        });
      });
    });
  }
}

/** '.build/remediate/index.handler' → <codeDir>/.build/remediate/index.{js,mjs,cjs} and export 'handler'. */
export function resolveHandler(spec: Pick<FunctionSpec, 'handler' | 'codeDir' | 'name'>): {
  modulePath: string;
  exportName: string;
} {
  const dot = spec.handler.lastIndexOf('.');
  if (dot <= 0) throw new Error(`function ${spec.name}: handler ${spec.handler} is not <module>.<export>`);
  const base = join(spec.codeDir, spec.handler.slice(0, dot));
  for (const ext of ['.js', '.mjs', '.cjs']) {
    if (existsSync(base + ext)) return { modulePath: base + ext, exportName: spec.handler.slice(dot + 1) };
  }
  throw new Error(
    `function ${spec.name}: no bundle for handler ${spec.handler} (looked for ${base}.js/.mjs/.cjs)`,
  );
}

interface Pool {
  spec: FunctionSpec;
  idle: Container[];
  all: Set<Container>;
  waiting: Array<(c: Container) => void>;
  generation: number;
}

export function createLambdaRuntime(opts: LambdaRuntimeOptions): LambdaRuntime {
  const pools = new Map<string, Pool>();
  const records: InvocationRecord[] = [];
  const lines: LogLine[] = [];
  const listeners = new Set<() => void>();
  let busy = 0;
  const ids = createIds((opts.seed ?? 1) + 101);
  const containerSeeds = createRng((opts.seed ?? 1) + 102);
  const limit = opts.concurrency ?? 10;
  const changed = (): void => {
    for (const l of listeners) l();
  };

  const find = (ref: string): Pool | undefined => {
    const direct = pools.get(ref);
    if (direct) return direct;
    const name = ref.startsWith('arn:') ? (ref.split(':')[6] ?? '') : ref;
    for (const p of pools.values()) {
      if (p.spec.name === name || p.spec.shortName === name || p.spec.logicalId === name) return p;
    }
    return undefined;
  };
  const mustFind = (ref: string): Pool => {
    const p = find(ref);
    if (!p) throw new Error(`Function not found: ${ref}`);
    return p;
  };

  const containerEnv = (spec: FunctionSpec): Record<string, string> => ({
    ...spec.environment,
    AWS_ENDPOINT_URL: opts.endpoint(),
    AWS_REGION: opts.region,
    AWS_DEFAULT_REGION: opts.region,
    AWS_ACCESS_KEY_ID: spec.credentials?.accessKeyId ?? 'test',
    AWS_SECRET_ACCESS_KEY: spec.credentials?.secretAccessKey ?? 'test',
    ...(spec.credentials ? { AWS_SESSION_TOKEN: spec.credentials.sessionToken } : {}),
    // Lambda runs nodejs22.x; the sandbox runs the bundles on the local Node (20 here), where the
    // SDK's notice about its future Node 22 requirement would repeat in every container.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${opts.clock.now().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${ids().replace(/-/g, '')}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
    LAMBDA_TASK_ROOT: spec.codeDir,
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    _HANDLER: spec.handler,
    TZ: ':UTC',
  });

  let closed = false;
  const acquire = (pool: Pool): Promise<Container> => {
    for (;;) {
      const c = pool.idle.pop();
      if (!c) break;
      if (!c.dead) return Promise.resolve(c);
      pool.all.delete(c);
    }
    if (pool.all.size < (pool.spec.concurrency ?? limit)) {
      const c = new Container(
        pool.spec,
        containerEnv(pool.spec),
        (l) => lines.push(l),
        opts.clock,
        opts.echo ?? false,
        Math.floor(containerSeeds() * 2 ** 32),
      );
      pool.all.add(c);
      return Promise.resolve(c);
    }
    return new Promise((resolve) => pool.waiting.push(resolve));
  };

  const release = (pool: Pool, c: Container, generation: number): void => {
    // After close(), queued invocations stay unanswered instead of starting containers on deleted code.
    if (closed) return;
    if (c.dead || generation !== pool.generation) {
      pool.all.delete(c);
      if (!c.dead) void c.worker.terminate();
      const next = pool.waiting.shift();
      if (next) void acquire(pool).then(next);
      return;
    }
    const next = pool.waiting.shift();
    if (next) next(c);
    else pool.idle.push(c);
  };

  const invoke: LambdaRuntime['invoke'] = async (ref, event, o = {}) => {
    const pool = mustFind(ref);
    const record: InvocationRecord = {
      requestId: o.requestId ?? ids(),
      functionName: pool.spec.name,
      trigger: o.trigger ?? 'direct',
      eventIds: o.eventIds ?? [],
      attempt: o.attempt ?? 1,
      coldStart: false,
      startedAt: opts.clock.now(),
      logs: [],
    };
    records.push(record);
    busy += 1;
    changed();
    try {
      const generation = pool.generation;
      const c = await acquire(pool);
      record.coldStart = c.invocations === 0;
      const t0 = Date.now();
      const reply = await c.run(record, event);
      record.durationMs = Date.now() - t0;
      record.endedAt = opts.clock.now();
      record.ok = reply.ok;
      if (reply.memory) record.memory = reply.memory;
      if (reply.ok) record.payload = reply.payload;
      else if (reply.error) record.error = reply.error;
      if (reply.init) c.dead = true;
      release(pool, c, generation);
      return record;
    } finally {
      busy -= 1;
      changed();
    }
  };

  return {
    register(spec) {
      resolveHandler(spec);
      pools.set(spec.name, { spec, idle: [], all: new Set(), waiting: [], generation: 0 });
    },
    functions: () => [...pools.values()].map((p) => p.spec),
    get: (ref) => find(ref)?.spec,
    invoke,
    updateEnvironment(ref, vars) {
      const pool = mustFind(ref);
      pool.spec = { ...pool.spec, environment: { ...pool.spec.environment, ...vars } };
      pool.generation += 1;
      for (const c of pool.idle) void c.worker.terminate();
      for (const c of pool.idle) pool.all.delete(c);
      pool.idle = [];
    },
    invocations: (ref) => {
      const name = ref === undefined ? undefined : mustFind(ref).spec.name;
      return records.filter((r) => name === undefined || r.functionName === name);
    },
    logs: (ref) => {
      const name = ref === undefined ? undefined : mustFind(ref).spec.name;
      return lines.filter((l) => name === undefined || l.functionName === name);
    },
    busy: () => busy,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      const all = [...pools.values()].flatMap((p) => [...p.all]);
      await Promise.all(all.map((c) => c.worker.terminate().catch(() => 0)));
      for (const p of pools.values()) {
        p.all.clear();
        p.idle = [];
      }
    },
  };
}
