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
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SimClock } from './clock.ts';

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
  logs: LogLine[];
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
}

/** The container bootstrap (CommonJS, eval'd in the worker): loads the handler once, runs invocations. */
const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
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
  private partial = { stdout: '', stderr: '' };

  constructor(
    readonly spec: FunctionSpec,
    env: Record<string, string>,
    private readonly sinkLine: (line: LogLine) => void,
    private readonly clock: SimClock,
    private readonly echo: boolean,
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
      },
      resourceLimits: { maxOldGenerationSizeMb: Math.max(128, spec.memoryMb) },
    });
    this.worker.unref();
    this.worker.stdout.on('data', (b: Buffer) => this.onData('stdout', b));
    this.worker.stderr.on('data', (b: Buffer) => this.onData('stderr', b));
    this.worker.on('message', (m: Reply) => {
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

  run(record: InvocationRecord, event: unknown): Promise<Reply> {
    return new Promise<Reply>((resolve) => {
      const timeoutMs = this.spec.timeoutSeconds * 1000;
      const timer = setTimeout(() => {
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
      }, timeoutMs);
      const done = (reply: Reply): void => {
        clearTimeout(timer);
        if (this.running?.record === record) this.running = undefined;
        resolve(reply);
      };
      this.running = { record, ends: 0, finish: done };
      this.invocations += 1;
      this.worker.postMessage({
        type: 'invoke',
        requestId: record.requestId,
        event,
        deadline: Date.now() + timeoutMs,
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
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    // Lambda runs nodejs22.x; the sandbox runs the bundles on the local Node (20 here), where the
    // SDK's notice about its future Node 22 requirement would repeat in every container.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${opts.clock.now().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomUUID().replace(/-/g, '')}`,
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
      requestId: o.requestId ?? randomUUID(),
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
