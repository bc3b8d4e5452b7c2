/**
 * The sandbox's HTTP front door: one loopback endpoint that the real AWS SDK v3 clients (via
 * `AWS_ENDPOINT_URL` / `endpoint`) and the AWS CLI (`--endpoint-url`) talk to.
 *
 * - awsJson 1.0/1.1 services are dispatched by `X-Amz-Target: <prefix>.<Operation>`;
 * - Query services (SNS) by the form body `Action=...&Version=...`, picked by the SigV4 credential scope;
 * - `DynamoDB_20120810.*` is proxied byte-for-byte to an in-process dynalite;
 * - `POST /slack/...` is the Slack incoming-webhook receiver.
 * Every call is counted; rate limits and injected faults apply before the operation runs.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimClock } from './clock.ts';
import { AwsError } from './errors.ts';
import { CallCounter } from './calls.ts';
import { startDynalite, type DynamoBackend } from './dynamodb.ts';
import { FaultController, type InjectedFailure } from './faults.ts';
import { PARAMETER_STORE_LIMITS, RateLimiter, type RateLimits } from './ratelimit.ts';
import type { SlackReceiver } from './services/slack.ts';
import type { CallContext, Operation, ServiceDef } from './types.ts';
import { credentialScope } from './wire/sigv4.ts';
import { decodeJsonBody, encodeJsonBody, encodeJsonError } from './wire/json.ts';
import { decodeQueryBody, encodeQueryError, encodeQueryResponse } from './wire/query.ts';

export interface SandboxServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  services: ServiceDef[];
  /** Serve DynamoDB (`DynamoDB_20120810.*`) through an in-process dynalite. */
  dynamodb?: boolean;
  account?: string;
  region?: string;
  faults?: FaultController;
  /** Token buckets; default PARAMETER_STORE_LIMITS (40 TPS shared by GetParameter/GetParameters/GetParametersByPath). Pass {} for none. */
  limits?: RateLimits;
  /** Slack incoming-webhook receiver mounted at POST /slack/... */
  slack?: SlackReceiver;
  /**
   * The account's clock: a request in flight holds it (virtual time waits for it), answers carry its
   * time in the Date header (the SDK corrects its clock skew from it), and rate limits refill on it.
   */
  clock?: SimClock;
  /**
   * IAM (./iam/): answers an AwsError (AccessDenied in the service's shape) for a call the caller's
   * policies do not allow; undefined to let it run.
   */
  authorize?: (call: CallContext, input: Record<string, unknown>) => AwsError | undefined;
}

export interface SandboxServer {
  url: string;
  port: number;
  calls: CallCounter;
  faults: FaultController;
  limiter: RateLimiter;
  close(): Promise<void>;
}

const DYNAMODB_PREFIX = 'DynamoDB_20120810';
const MAX_BODY_BYTES = 20 * 1024 * 1024;

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

type Outcome = { output: unknown } | { error: AwsError } | { drop: 'reset' | 'hang' };

interface Ctx {
  opts: SandboxServerOptions;
  account: string;
  region: string;
  calls: CallCounter;
  faults: FaultController;
  limiter: RateLimiter;
  dynamo?: DynamoBackend;
}

export async function startSandboxServer(opts: SandboxServerOptions): Promise<SandboxServer> {
  const ctx: Ctx = {
    opts,
    account: opts.account ?? '123456789012',
    region: opts.region ?? 'us-east-1',
    calls: new CallCounter(),
    faults: opts.faults ?? new FaultController(),
    limiter: new RateLimiter(
      opts.limits ?? PARAMETER_STORE_LIMITS,
      opts.clock ? () => opts.clock!.now().getTime() : undefined,
    ),
  };
  if (opts.dynamodb) ctx.dynamo = await startDynalite();

  const server = createServer((req, res) => {
    if (opts.clock) {
      const release = opts.clock.hold();
      res.on('close', release);
      res.on('finish', release);
      inFlight.set(res, release);
      res.setHeader('date', opts.clock.now().toUTCString());
    }
    handle(ctx, req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`sandbox failure: ${err instanceof Error ? err.message : String(err)}`);
      } else res.destroy();
    });
  });
  // Idle keep-alive connections stay open (no wall-clock timeout): a container parked for a while
  // must not find its socket closed under it, which would make the SDK retry depend on the machine.
  server.keepAliveTimeout = 0;
  try {
    await listen(server, opts.port ?? 0);
  } catch (e) {
    // A busy port: nothing may keep the process alive (`remediator sandbox` must exit, not hang).
    await ctx.dynamo?.close();
    throw e;
  }
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls: ctx.calls,
    faults: ctx.faults,
    limiter: ctx.limiter,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ctx.dynamo?.close();
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new AwsError('RequestEntityTooLarge', 'Request body too large', 413);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function handle(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path === '/health')
    return send(res, { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' });
  if (path.startsWith('/slack/')) return handleSlack(ctx, req, path, body, res);

  const target = header(req, 'x-amz-target');
  if (target !== undefined) {
    const dot = target.lastIndexOf('.');
    const prefix = target.slice(0, dot);
    const operation = target.slice(dot + 1);
    if (prefix === DYNAMODB_PREFIX && ctx.dynamo) return handleDynamo(ctx, req, operation, body, res);
    return handleJson(ctx, req, prefix, operation, body.toString('utf8'), res);
  }
  const contentType = header(req, 'content-type') ?? '';
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    return handleQuery(ctx, req, body.toString('utf8'), res);
  }
  const query = (req.url ?? '').split('?')[1];
  if (req.method === 'GET' && query?.includes('Action=')) return handleQuery(ctx, req, query, res);
  send(
    res,
    jsonError(400, 'UnknownOperationException', 'Missing X-Amz-Target header or Action parameter', 'json1.1'),
  );
}

function callContext(ctx: Ctx, req: IncomingMessage, service: string, operation: string): CallContext {
  const scope = credentialScope(header(req, 'authorization'));
  return {
    service,
    operation,
    account: ctx.account,
    region: scope?.region ?? ctx.region,
    requestId: randomUUID(),
    ...(scope?.accessKeyId ? { accessKeyId: scope.accessKeyId } : {}),
    faults: ctx.faults,
  };
}

/** Count, rate-limit and fault-inject one call, then run it. */
async function invoke(
  ctx: Ctx,
  def: Pick<ServiceDef, 'name' | 'internalErrorCode' | 'throttlingErrorCode'>,
  call: CallContext,
  run: () => unknown,
  input: Record<string, unknown> = {},
): Promise<Outcome> {
  ctx.calls.record(call.service, call.operation);
  const decision = ctx.faults.decide(call.service, call.operation, () => JSON.stringify(input));
  if (decision.latencyMs > 0) await sleep(decision.latencyMs);
  const denied = ctx.opts.authorize?.(call, input);
  if (denied) return { error: denied };
  if (!ctx.limiter.take(call.service, call.operation)) {
    return { error: new AwsError(def.throttlingErrorCode ?? 'ThrottlingException', 'Rate exceeded', 400) };
  }
  if (decision.failure && !decision.failure.after) return injected(def, decision.failure);
  let outcome: Outcome;
  try {
    outcome = { output: await run() };
  } catch (err) {
    if (err instanceof AwsError) outcome = { error: err };
    else {
      const message = err instanceof Error ? err.message : String(err);
      outcome = { error: new AwsError(def.internalErrorCode ?? 'InternalFailure', message, 500) };
    }
  }
  // A lost response: the operation took effect, the caller sees the fault.
  return decision.failure ? injected(def, decision.failure) : outcome;
}

function injected(
  def: Pick<ServiceDef, 'internalErrorCode' | 'throttlingErrorCode'>,
  failure: InjectedFailure,
): Outcome {
  if (failure.mode !== 'error') return { drop: failure.mode };
  const fallback =
    failure.status === 429
      ? (def.throttlingErrorCode ?? 'ThrottlingException')
      : (def.internalErrorCode ?? 'InternalFailure');
  return { error: new AwsError(failure.code ?? fallback, failure.message, failure.status) };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function findOperation(
  services: ServiceDef[],
  prefix: string,
  operation: string,
): { def: ServiceDef; op: Operation } | undefined {
  for (const def of services) {
    if (def.targetPrefix !== prefix) continue;
    const op = Object.hasOwn(def.operations, operation) ? def.operations[operation] : undefined;
    if (op) return { def, op };
  }
  return undefined;
}

async function handleJson(
  ctx: Ctx,
  req: IncomingMessage,
  prefix: string,
  operation: string,
  body: string,
  res: ServerResponse,
): Promise<void> {
  const known = ctx.opts.services.filter((s) => s.targetPrefix === prefix);
  const protocol = (header(req, 'content-type') ?? '').includes('1.0') ? 'json1.0' : 'json1.1';
  const found = findOperation(known, prefix, operation);
  if (!found) {
    const where = known.length === 0 ? `service ${prefix}` : prefix;
    return send(
      res,
      jsonError(400, 'UnknownOperationException', `Unknown operation ${operation} for ${where}`, protocol),
    );
  }
  const call = callContext(ctx, req, found.def.name, operation);
  let input: Record<string, unknown>;
  try {
    input = decodeJsonBody(body);
  } catch (err) {
    const message = `Request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`;
    return send(res, jsonError(400, 'SerializationException', message, protocol));
  }
  const outcome = await invoke(ctx, found.def, call, () => found.op(input, call), input);
  if ('drop' in outcome) return drop(res, outcome.drop);
  if ('error' in outcome)
    return send(
      res,
      jsonError(outcome.error.status, outcome.error.code, outcome.error.message, protocol, call.requestId),
    );
  send(res, {
    status: 200,
    headers: jsonHeaders(protocol, call.requestId),
    body: encodeJsonBody(outcome.output),
  });
}

function jsonHeaders(protocol: string, requestId: string = randomUUID()): Record<string, string> {
  const version = protocol === 'json1.0' ? '1.0' : '1.1';
  return { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-requestid': requestId };
}

function jsonError(
  status: number,
  code: string,
  message: string,
  protocol: string,
  requestId?: string,
): Reply {
  return {
    status,
    headers: { ...jsonHeaders(protocol, requestId), 'x-amzn-errortype': code },
    body: encodeJsonError(code, message),
  };
}

function pickQueryService(ctx: Ctx, req: IncomingMessage): ServiceDef | undefined {
  const queryServices = ctx.opts.services.filter((s) => s.protocol === 'query');
  const scope = credentialScope(header(req, 'authorization'));
  const bySigning = queryServices.find((s) => (s.signingName ?? s.name) === scope?.service);
  return bySigning ?? (queryServices.length === 1 ? queryServices[0] : undefined);
}

async function handleQuery(ctx: Ctx, req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
  const def = pickQueryService(ctx, req);
  const { action, input } = decodeQueryBody(body);
  const requestId = randomUUID();
  const xmlns = def?.xmlNamespace ?? '';
  const xmlError = (e: AwsError): Reply => ({
    status: e.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: encodeQueryError(e.code, e.message, e.status, requestId, xmlns),
  });
  if (!def) {
    const scope = credentialScope(header(req, 'authorization'));
    return send(
      res,
      xmlError(
        new AwsError('InvalidAction', `No Query-protocol service "${scope?.service ?? '?'}" in the sandbox`),
      ),
    );
  }
  const op = Object.hasOwn(def.operations, action) ? def.operations[action] : undefined;
  if (!op) {
    return send(
      res,
      xmlError(
        new AwsError('InvalidAction', `The action ${action || '(none)'} is not valid for this web service.`),
      ),
    );
  }
  const call = { ...callContext(ctx, req, def.name, action), requestId };
  const outcome = await invoke(ctx, def, call, () => op(input, call), input);
  if ('drop' in outcome) return drop(res, outcome.drop);
  if ('error' in outcome) return send(res, xmlError(outcome.error));
  send(res, {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: encodeQueryResponse(action, outcome.output, requestId, xmlns),
  });
}

async function handleDynamo(
  ctx: Ctx,
  req: IncomingMessage,
  operation: string,
  body: Buffer,
  res: ServerResponse,
): Promise<void> {
  const dynamo = ctx.dynamo;
  if (!dynamo) return;
  const call = callContext(ctx, req, 'dynamodb', operation);
  const def = { name: 'dynamodb', internalErrorCode: 'InternalServerError' };
  // dynalite's answer is the operation's output (a lost-response fault applies it, then drops it).
  let input: Record<string, unknown> = {};
  try {
    input = decodeJsonBody(body.toString('utf8'));
  } catch {
    // dynalite answers the malformed body itself
  }
  const outcome = await invoke(
    ctx,
    def,
    call,
    () => dynamo.call(req.method ?? 'POST', req.url ?? '/', req.headers, body),
    input,
  );
  if ('drop' in outcome) return drop(res, outcome.drop);
  if ('error' in outcome)
    return send(
      res,
      jsonError(outcome.error.status, outcome.error.code, outcome.error.message, 'json1.0', call.requestId),
    );
  send(res, outcome.output as Reply);
}

async function handleSlack(
  ctx: Ctx,
  req: IncomingMessage,
  path: string,
  body: Buffer,
  res: ServerResponse,
): Promise<void> {
  const slack = ctx.opts.slack;
  if (!slack)
    return send(res, { status: 404, headers: { 'content-type': 'text/plain' }, body: 'no_service' });
  // Slack's Web API (user groups) lives under /slack/api/<method>; the rest are incoming webhooks.
  const method = path.startsWith('/slack/api/') ? path.slice('/slack/api/'.length) : undefined;
  const operation = method ?? 'PostMessage';
  ctx.calls.record('slack', operation);
  const decision = ctx.faults.decide('slack', operation);
  if (decision.latencyMs > 0) await sleep(decision.latencyMs);
  const failure = decision.failure;
  if (failure && failure.mode !== 'error') return drop(res, failure.mode);
  if (failure) {
    return send(res, {
      status: failure.status,
      headers: { 'content-type': 'text/plain' },
      body: failure.code ?? 'service_unavailable',
    });
  }
  const answer =
    method !== undefined
      ? slack.api(method, new URL(req.url ?? '/', 'http://x').searchParams, header(req, 'authorization'))
      : slack.receive(path, header(req, 'content-type') ?? '', body);
  send(res, {
    status: answer.status,
    headers: { 'content-type': 'text/html', ...answer.headers },
    body: answer.body,
  });
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)) });
  res.end(reply.body);
}

/** 'reset' drops the connection at once; 'hang' leaves it open until the client gives up or the server closes. */
function drop(res: ServerResponse, mode: 'reset' | 'hang'): void {
  if (mode === 'reset') res.socket?.destroy();
  // A hung call waits for the caller to give up (in wall time): it does not hold simulated time.
  else inFlight.get(res)?.();
}

/** Releases of the clock holds of the requests in flight. */
const inFlight = new WeakMap<ServerResponse, () => void>();
