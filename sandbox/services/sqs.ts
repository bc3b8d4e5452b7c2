/**
 * Simulated SQS (`AmazonSQS.*` over AWS JSON 1.0, as @aws-sdk/client-sqs 3.1169 speaks it; the inspecting
 * calls also over the Query protocol, `query`, as AWS CLI 2.9 sends them): queues with
 * URLs `http://127.0.0.1:<port>/<account>/<name>`, visibility timeouts on the sim clock, redrive to a
 * dead-letter queue after `maxReceiveCount` receives, and MD5 digests the SDK checks.
 *
 * Every message ever sent is kept (`messages(queue)`, deleted ones included), so the rejected-events queue
 * and the dead-letter queues can be inspected after the fact. The sandbox's event-source mappings use the
 * in-process API (`receive`, `deleteByReceipt`, `onAvailable`), not HTTP.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AwsError } from '../errors.ts';
import { createClock, type SimClock } from '../clock.ts';
import type { Operation, ServiceDef } from '../types.ts';
import { Flattened } from '../wire/query.ts';
import {
  decodeToken,
  encodeToken,
  isRecord,
  objectList,
  optionalNumber,
  optionalRecord,
  optionalString,
  requiredString,
  stringList,
} from './input.ts';

export interface SqsAttributeValue {
  DataType: string;
  StringValue?: string;
  /** Base64, as on the wire. */
  BinaryValue?: string;
}

export interface SqsMessage {
  MessageId: string;
  Body: string;
  MessageAttributes: Record<string, SqsAttributeValue>;
  MD5OfBody: string;
  MD5OfMessageAttributes?: string;
  sentAt: Date;
  /** Queue the message was first sent to (differs from the holder after a redrive). */
  sourceQueueArn: string;
  receiveCount: number;
  firstReceivedAt?: Date;
  /** Sim-ms when the message becomes visible again. */
  visibleAt: number;
  receiptHandle?: string;
  deletedAt?: Date;
  /** Set when the message was moved to the dead-letter queue (its arn). */
  movedTo?: string;
  /** Sandbox-only bookkeeping (never on the wire): e.g. the bus event the message carries. */
  origin?: Record<string, string>;
}

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

export interface SqsQueue {
  name: string;
  url: string;
  arn: string;
  createdAt: Date;
  attributes: Record<string, string>;
  redrive?: RedrivePolicy;
  /** Every message ever held by this queue, oldest first (deleted and moved ones included). */
  all: SqsMessage[];
}

export interface ReceivedMessage {
  message: SqsMessage;
  receiptHandle: string;
}

export interface SqsService extends ServiceDef {
  /**
   * The same queues over the Query protocol (ListQueues, GetQueueUrl, GetQueueAttributes, ReceiveMessage),
   * which AWS CLIs before SQS's JSON protocol (e.g. Debian's 2.9) send.
   */
  query: ServiceDef;
  /** Create a queue (idempotent by name); attributes as CreateQueue takes them (RedrivePolicy as JSON text). */
  createQueue(name: string, attributes?: Record<string, string>): SqsQueue;
  /** Look a queue up by name, URL or ARN. */
  queue(ref: string): SqsQueue | undefined;
  queues(): SqsQueue[];
  /** Every message ever sent to the queue (name, URL or ARN), deleted ones included, oldest first. */
  messages(ref: string): SqsMessage[];
  /** Messages still in the queue (not deleted, not moved), visible or in flight. */
  pending(ref: string): SqsMessage[];
  /** Parsed JSON bodies of every message ever sent to the queue. */
  bodies(ref: string): unknown[];
  send(
    ref: string,
    body: string,
    opts?: {
      attributes?: Record<string, SqsAttributeValue>;
      delaySeconds?: number;
      origin?: Record<string, string>;
    },
  ): SqsMessage;
  /** ReceiveMessage semantics (redrive applies); visibility timeout in seconds (default: the queue's). */
  receive(ref: string, opts?: { max?: number; visibilityTimeout?: number }): ReceivedMessage[];
  deleteByReceipt(ref: string, receiptHandle: string): boolean;
  changeVisibility(ref: string, receiptHandle: string, seconds: number): void;
  /** Called (with the queue) whenever a message may have become receivable. */
  onAvailable(listener: (queue: SqsQueue) => void): () => void;
  /** Called when a message is moved to its queue's dead-letter queue. */
  onRedrive(listener: (message: SqsMessage, from: SqsQueue, to: SqsQueue) => void): () => void;
  /** Called when a message is deleted. */
  onDelete(listener: (message: SqsMessage, queue: SqsQueue) => void): () => void;
}

export interface SqsOptions {
  account?: string;
  region?: string;
  clock?: SimClock;
  /** The sandbox endpoint (known once the server listens), e.g. () => 'http://127.0.0.1:4566'. */
  endpoint?: () => string;
}

export const SQS_MAX_MESSAGE_BYTES = 256 * 1024;
const DEFAULT_VISIBILITY_SECONDS = 30;
const MAX_LIST_QUEUES = 1000;
export const SQS_XML_NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';

/** Attributes every queue has (CreateQueue's defaults), besides the computed ones. */
const DEFAULT_ATTRIBUTES: Record<string, string> = {
  DelaySeconds: '0',
  MaximumMessageSize: String(SQS_MAX_MESSAGE_BYTES),
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: String(DEFAULT_VISIBILITY_SECONDS),
  SqsManagedSseEnabled: 'true',
};

/** The attribute names GetQueueAttributes accepts (besides `All`). */
const QUEUE_ATTRIBUTE_NAMES = new Set([
  ...Object.keys(DEFAULT_ATTRIBUTES),
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
  'Policy',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'FifoQueue',
  'ContentBasedDeduplication',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'SqsManagedSseEnabled',
]);

const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

/** AWS's MD5 of message attributes: sorted by name; length-prefixed name, type, transport byte, value. */
export function md5OfMessageAttributes(attributes: Record<string, SqsAttributeValue>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  const lengthPrefixed = (b: Buffer): void => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, b);
  };
  for (const name of names) {
    const a = attributes[name]!;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(a.DataType, 'utf8'));
    if (a.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      lengthPrefixed(Buffer.from(a.BinaryValue, 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      lengthPrefixed(Buffer.from(a.StringValue ?? '', 'utf8'));
    }
  }
  return md5(Buffer.concat(parts));
}

const nonExistent = (): AwsError =>
  new AwsError('QueueDoesNotExist', 'The specified queue does not exist.', 400);
const invalidParameter = (message: string): AwsError => new AwsError('InvalidParameterValue', message, 400);

function readAttributes(raw: Record<string, unknown> | undefined): Record<string, SqsAttributeValue> {
  const out: Record<string, SqsAttributeValue> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (!isRecord(value) || typeof value['DataType'] !== 'string' || value['DataType'] === '') {
      throw invalidParameter(`The message attribute '${name}' must contain a non-empty attribute type.`);
    }
    const attr: SqsAttributeValue = { DataType: value['DataType'] };
    if (typeof value['StringValue'] === 'string') attr.StringValue = value['StringValue'];
    if (typeof value['BinaryValue'] === 'string') attr.BinaryValue = value['BinaryValue'];
    if (attr.StringValue === undefined && attr.BinaryValue === undefined) {
      throw invalidParameter(
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${attr.DataType}'.`,
      );
    }
    out[name] = attr;
  }
  if (Object.keys(out).length > 10) throw invalidParameter('Number of message attributes exceeds 10.');
  return out;
}

function messageBytes(body: string, attributes: Record<string, SqsAttributeValue>): number {
  let size = Buffer.byteLength(body);
  for (const [name, a] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
    size += Buffer.byteLength(a.StringValue ?? '') + Buffer.from(a.BinaryValue ?? '', 'base64').length;
  }
  return size;
}

function parseRedrive(text: string | undefined): RedrivePolicy | undefined {
  if (text === undefined || text === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidParameter(
      'Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map.',
    );
  }
  if (!isRecord(parsed) || typeof parsed['deadLetterTargetArn'] !== 'string') {
    throw invalidParameter(
      'Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map.',
    );
  }
  const count = Number(parsed['maxReceiveCount']);
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw invalidParameter(
      'Invalid value for the parameter RedrivePolicy. Reason: maxReceiveCount must be 1 to 1000.',
    );
  }
  return { deadLetterTargetArn: parsed['deadLetterTargetArn'], maxReceiveCount: count };
}

export function createSqsService(opts: SqsOptions = {}): SqsService {
  const account = opts.account ?? '123456789012';
  const region = opts.region ?? 'us-east-1';
  const clock = opts.clock ?? createClock();
  const endpoint = opts.endpoint ?? (() => 'http://127.0.0.1:4566');
  const byName = new Map<string, SqsQueue>();
  /** receipt handle → message, per queue name. */
  const inFlight = new Map<string, Map<string, SqsMessage>>();
  const availableListeners = new Set<(q: SqsQueue) => void>();
  const redriveListeners = new Set<(m: SqsMessage, from: SqsQueue, to: SqsQueue) => void>();
  const deleteListeners = new Set<(m: SqsMessage, q: SqsQueue) => void>();

  const announce = (q: SqsQueue): void => {
    for (const l of availableListeners) l(q);
  };
  const wakeAt = (q: SqsQueue, atMs: number): void => {
    clock.after(Math.max(0, atMs - clock.now().getTime()), () => announce(q));
  };

  const find = (ref: string): SqsQueue | undefined => {
    if (ref.startsWith('arn:')) return byName.get(ref.split(':').pop() ?? '');
    if (ref.includes('/')) return byName.get(ref.replace(/\/+$/, '').split('/').pop() ?? '');
    return byName.get(ref);
  };
  const mustFind = (ref: string): SqsQueue => {
    const q = find(ref);
    if (!q) throw nonExistent();
    return q;
  };

  const createQueue = (name: string, attributes: Record<string, string> = {}): SqsQueue => {
    if (!/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(name)) {
      throw invalidParameter(
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    }
    const existing = byName.get(name);
    if (existing) return existing;
    const redrive = parseRedrive(attributes['RedrivePolicy']);
    const q: SqsQueue = {
      name,
      url: `${endpoint()}/${account}/${name}`,
      arn: `arn:aws:sqs:${region}:${account}:${name}`,
      createdAt: clock.now(),
      attributes: { ...DEFAULT_ATTRIBUTES, ...attributes },
      all: [],
    };
    if (redrive) q.redrive = redrive;
    byName.set(name, q);
    inFlight.set(name, new Map());
    return q;
  };

  const live = (q: SqsQueue): SqsMessage[] => q.all.filter((m) => !m.deletedAt && !m.movedTo);

  const send: SqsService['send'] = (ref, body, o = {}) => {
    const q = mustFind(ref);
    const attributes = o.attributes ?? {};
    if (body === '')
      throw new AwsError('MissingParameter', 'The request must contain the parameter MessageBody.');
    if (messageBytes(body, attributes) > SQS_MAX_MESSAGE_BYTES) {
      throw invalidParameter(
        `One or more parameters are invalid. Reason: Message must be shorter than ${SQS_MAX_MESSAGE_BYTES} bytes.`,
      );
    }
    const delay = o.delaySeconds ?? Number(q.attributes['DelaySeconds'] ?? 0);
    const now = clock.now().getTime();
    const message: SqsMessage = {
      MessageId: randomUUID(),
      Body: body,
      MessageAttributes: attributes,
      MD5OfBody: md5(body),
      sentAt: new Date(now),
      sourceQueueArn: q.arn,
      receiveCount: 0,
      visibleAt: now + delay * 1000,
    };
    const attrMd5 = md5OfMessageAttributes(attributes);
    if (attrMd5) message.MD5OfMessageAttributes = attrMd5;
    if (o.origin) message.origin = o.origin;
    q.all.push(message);
    if (delay > 0) wakeAt(q, message.visibleAt);
    else queueMicrotask(() => announce(q));
    return message;
  };

  const moveToDeadLetter = (m: SqsMessage, from: SqsQueue): boolean => {
    const target = from.redrive ? find(from.redrive.deadLetterTargetArn) : undefined;
    if (!target) return false;
    m.movedTo = target.arn;
    const copy: SqsMessage = { ...m, receiveCount: 0, visibleAt: clock.now().getTime() };
    delete copy.movedTo;
    delete copy.receiptHandle;
    delete copy.firstReceivedAt;
    target.all.push(copy);
    for (const l of redriveListeners) l(copy, from, target);
    queueMicrotask(() => announce(target));
    return true;
  };

  const receive: SqsService['receive'] = (ref, o = {}) => {
    const q = mustFind(ref);
    const max = o.max ?? 1;
    const vt = o.visibilityTimeout ?? Number(q.attributes['VisibilityTimeout'] ?? DEFAULT_VISIBILITY_SECONDS);
    const now = clock.now().getTime();
    const handles = inFlight.get(q.name)!;
    const out: ReceivedMessage[] = [];
    for (const m of live(q)) {
      if (out.length >= max) break;
      if (m.visibleAt > now) continue;
      // SQS moves a message to the DLQ when a receive would exceed maxReceiveCount.
      if (q.redrive && m.receiveCount >= q.redrive.maxReceiveCount && moveToDeadLetter(m, q)) continue;
      m.receiveCount += 1;
      m.firstReceivedAt ??= new Date(now);
      if (m.receiptHandle) handles.delete(m.receiptHandle);
      const receiptHandle = Buffer.from(`${q.name}:${m.MessageId}:${randomUUID()}`).toString('base64');
      m.receiptHandle = receiptHandle;
      m.visibleAt = now + vt * 1000;
      handles.set(receiptHandle, m);
      out.push({ message: m, receiptHandle });
      wakeAt(q, m.visibleAt);
    }
    return out;
  };

  const deleteByReceipt = (ref: string, receipt: string): boolean => {
    const q = mustFind(ref);
    const handles = inFlight.get(q.name)!;
    const m = handles.get(receipt);
    if (!m) return false;
    handles.delete(receipt);
    if (!m.deletedAt) {
      m.deletedAt = clock.now();
      for (const l of deleteListeners) l(m, q);
    }
    return true;
  };

  const changeVisibility = (ref: string, receipt: string, seconds: number): void => {
    const q = mustFind(ref);
    const m = inFlight.get(q.name)!.get(receipt);
    if (!m || m.deletedAt) {
      throw new AwsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${receipt}" is not a valid receipt handle.`,
      );
    }
    m.visibleAt = clock.now().getTime() + seconds * 1000;
    wakeAt(q, m.visibleAt);
  };

  const wireMessage = (
    r: ReceivedMessage,
    wantAttrs: string[],
    wantSystem: string[],
  ): Record<string, unknown> => {
    const m = r.message;
    const out: Record<string, unknown> = {
      MessageId: m.MessageId,
      ReceiptHandle: r.receiptHandle,
      MD5OfBody: m.MD5OfBody,
      Body: m.Body,
    };
    const names = Object.keys(m.MessageAttributes).filter(
      (n) =>
        wantAttrs.includes('All') ||
        wantAttrs.includes('.*') ||
        wantAttrs.includes(n) ||
        wantAttrs.some((w) => w.endsWith('.*') && n.startsWith(w.slice(0, -1))),
    );
    if (names.length > 0) {
      const attrs: Record<string, SqsAttributeValue> = {};
      for (const n of names) attrs[n] = m.MessageAttributes[n]!;
      out['MessageAttributes'] = attrs;
      out['MD5OfMessageAttributes'] = md5OfMessageAttributes(attrs);
    }
    if (wantSystem.length > 0) {
      const all: Record<string, string> = {
        SenderId: 'AIDASANDBOXSANDBOX',
        SentTimestamp: String(m.sentAt.getTime()),
        ApproximateReceiveCount: String(m.receiveCount),
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt?.getTime() ?? m.sentAt.getTime()),
      };
      const picked: Record<string, string> = {};
      for (const [k, v] of Object.entries(all))
        if (wantSystem.includes('All') || wantSystem.includes(k)) picked[k] = v;
      out['Attributes'] = picked;
    }
    return out;
  };

  const sendResult = (m: SqsMessage): Record<string, unknown> => ({
    MessageId: m.MessageId,
    MD5OfMessageBody: m.MD5OfBody,
    ...(m.MD5OfMessageAttributes ? { MD5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
  });

  const operations: Record<string, Operation> = {
    CreateQueue: (input) => {
      const name = requiredString(input, 'QueueName');
      const attrs = optionalRecord(input, 'Attributes') ?? {};
      const strAttrs: Record<string, string> = {};
      for (const [k, v] of Object.entries(attrs)) strAttrs[k] = String(v);
      return { QueueUrl: createQueue(name, strAttrs).url };
    },
    GetQueueUrl: (input) => ({ QueueUrl: mustFind(requiredString(input, 'QueueName')).url }),
    ListQueues: (input) => {
      const prefix = optionalString(input, 'QueueNamePrefix') ?? '';
      const max = optionalNumber(input, 'MaxResults');
      if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > MAX_LIST_QUEUES))
        throw invalidParameter(
          `Value ${max} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and ${MAX_LIST_QUEUES}.`,
        );
      const urls = [...byName.values()]
        .filter((q) => q.name.startsWith(prefix))
        .map((q) => q.url)
        .sort();
      const offset = decodeToken(optionalString(input, 'NextToken'), 'InvalidParameterValue');
      const end = offset + (max ?? MAX_LIST_QUEUES);
      const page = urls.slice(offset, end);
      // AWS answers a NextToken only when MaxResults was given, and omits QueueUrls when there are none.
      return {
        ...(page.length > 0 ? { QueueUrls: page } : {}),
        ...(max !== undefined && end < urls.length ? { NextToken: encodeToken(end) } : {}),
      };
    },
    GetQueueAttributes: (input) => {
      const q = mustFind(requiredString(input, 'QueueUrl'));
      const want = stringList(input, 'AttributeNames') ?? [];
      const unknown = want.find((n) => n !== 'All' && !QUEUE_ATTRIBUTE_NAMES.has(n));
      if (unknown !== undefined) throw new AwsError('InvalidAttributeName', `Unknown Attribute ${unknown}.`);
      const now = clock.now().getTime();
      const msgs = live(q);
      const created = String(Math.floor(q.createdAt.getTime() / 1000));
      const all: Record<string, string> = {
        QueueArn: q.arn,
        CreatedTimestamp: created,
        LastModifiedTimestamp: created,
        ...q.attributes,
        ApproximateNumberOfMessages: String(msgs.filter((m) => m.visibleAt <= now).length),
        ApproximateNumberOfMessagesNotVisible: String(
          msgs.filter((m) => m.visibleAt > now && m.receiveCount > 0).length,
        ),
        ApproximateNumberOfMessagesDelayed: String(
          msgs.filter((m) => m.visibleAt > now && m.receiveCount === 0).length,
        ),
      };
      const picked: Record<string, string> = {};
      for (const [k, v] of Object.entries(all)) if (want.includes('All') || want.includes(k)) picked[k] = v;
      return { Attributes: picked };
    },
    SetQueueAttributes: (input) => {
      const q = mustFind(requiredString(input, 'QueueUrl'));
      for (const [k, v] of Object.entries(optionalRecord(input, 'Attributes') ?? {}))
        q.attributes[k] = String(v);
      const redrive = parseRedrive(q.attributes['RedrivePolicy']);
      if (redrive) q.redrive = redrive;
      return {};
    },
    PurgeQueue: (input) => {
      const q = mustFind(requiredString(input, 'QueueUrl'));
      const now = clock.now();
      for (const m of live(q)) m.deletedAt = now;
      return {};
    },
    SendMessage: (input) => {
      const url = requiredString(input, 'QueueUrl');
      const m = send(url, requiredString(input, 'MessageBody'), {
        attributes: readAttributes(optionalRecord(input, 'MessageAttributes')),
        ...(optionalNumber(input, 'DelaySeconds') !== undefined
          ? { delaySeconds: optionalNumber(input, 'DelaySeconds') }
          : {}),
      });
      return sendResult(m);
    },
    SendMessageBatch: (input) => {
      const url = requiredString(input, 'QueueUrl');
      mustFind(url);
      const entries = objectList(input, 'Entries') ?? [];
      if (entries.length === 0)
        throw new AwsError(
          'EmptyBatchRequest',
          'There should be at least one SendMessageBatchRequestEntry in the request.',
        );
      if (entries.length > 10)
        throw new AwsError('TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10.');
      const ids = entries.map((e) => e['Id']);
      if (new Set(ids).size !== ids.length)
        throw new AwsError(
          'BatchEntryIdsNotDistinct',
          'Two or more batch entries in the request have the same Id.',
        );
      const Successful: Record<string, unknown>[] = [];
      const Failed: Record<string, unknown>[] = [];
      for (const e of entries) {
        const id = String(e['Id']);
        try {
          const delay = optionalNumber(e, 'DelaySeconds');
          const m = send(url, requiredString(e, 'MessageBody'), {
            attributes: readAttributes(optionalRecord(e, 'MessageAttributes')),
            ...(delay !== undefined ? { delaySeconds: delay } : {}),
          });
          Successful.push({ Id: id, ...sendResult(m) });
        } catch (err) {
          const code = err instanceof AwsError ? err.code : 'InternalError';
          const message = err instanceof Error ? err.message : String(err);
          Failed.push({ Id: id, SenderFault: true, Code: code, Message: message });
        }
      }
      return { Successful, Failed };
    },
    ReceiveMessage: async (input) => {
      const url = requiredString(input, 'QueueUrl');
      const q = mustFind(url);
      const max = optionalNumber(input, 'MaxNumberOfMessages') ?? 1;
      if (max < 1 || max > 10)
        throw invalidParameter(
          `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
        );
      const vt = optionalNumber(input, 'VisibilityTimeout');
      const wait =
        optionalNumber(input, 'WaitTimeSeconds') ??
        Number(q.attributes['ReceiveMessageWaitTimeSeconds'] ?? 0);
      const wantAttrs = stringList(input, 'MessageAttributeNames') ?? [];
      const wantSystem = [
        ...(stringList(input, 'MessageSystemAttributeNames') ?? []),
        ...(stringList(input, 'AttributeNames') ?? []),
      ];
      const take = (): ReceivedMessage[] =>
        receive(url, { max, ...(vt !== undefined ? { visibilityTimeout: vt } : {}) });
      let got = take();
      if (got.length === 0 && wait > 0) {
        // Long polling: wait for a message or the wait time (sim time, capped by the same wall time).
        await new Promise<void>((resolve) => {
          let done = false;
          const finish = (): void => {
            if (done) return;
            done = true;
            off();
            cancel();
            clearTimeout(wall);
            resolve();
          };
          const off = onAvailable((x) => {
            if (x === q) finish();
          });
          const cancel = clock.after(wait * 1000, finish);
          const wall = setTimeout(finish, wait * 1000);
        });
        got = take();
      }
      return { Messages: got.map((r) => wireMessage(r, wantAttrs, wantSystem)) };
    },
    DeleteMessage: (input) => {
      const url = requiredString(input, 'QueueUrl');
      const receipt = requiredString(input, 'ReceiptHandle');
      mustFind(url);
      // AWS accepts a stale receipt handle of a message that still exists; an unknown one is an error.
      if (!deleteByReceipt(url, receipt) && !Buffer.from(receipt, 'base64').toString('utf8').includes(':')) {
        throw new AwsError(
          'ReceiptHandleIsInvalid',
          `The input receipt handle "${receipt}" is not a valid receipt handle.`,
        );
      }
      return {};
    },
    DeleteMessageBatch: (input) => {
      const url = requiredString(input, 'QueueUrl');
      mustFind(url);
      const entries = objectList(input, 'Entries') ?? [];
      const Successful: Record<string, unknown>[] = [];
      for (const e of entries) {
        deleteByReceipt(url, requiredString(e, 'ReceiptHandle'));
        Successful.push({ Id: String(e['Id']) });
      }
      return { Successful, Failed: [] };
    },
    ChangeMessageVisibility: (input) => {
      changeVisibility(
        requiredString(input, 'QueueUrl'),
        requiredString(input, 'ReceiptHandle'),
        optionalNumber(input, 'VisibilityTimeout') ?? 0,
      );
      return {};
    },
  };

  /** A flattened `Name.N` list in a Query request (a single value decodes as a string). */
  const flatList = (v: unknown): unknown => (typeof v === 'string' ? [v] : v);
  const nameValues = (m: Record<string, unknown> | undefined) =>
    new Flattened(Object.entries(m ?? {}).map(([Name, Value]) => ({ Name, Value })));

  /** The Query protocol's names: `AttributeName.N` (flattened) in, flattened `QueueUrl`/`Attribute` out. */
  const queryOperations: Record<string, Operation> = {
    ReceiveMessage: async (input, ctx) => {
      const json = {
        ...input,
        AttributeNames: flatList(input['AttributeName']),
        MessageAttributeNames: flatList(input['MessageAttributeName']),
      };
      const out = (await operations['ReceiveMessage']!(json, ctx)) as {
        Messages: Array<Record<string, unknown>>;
      };
      const Message = out.Messages.map(({ Attributes, MessageAttributes, ...m }) => ({
        ...m,
        Attribute: nameValues(Attributes as Record<string, unknown> | undefined),
        MessageAttribute: nameValues(MessageAttributes as Record<string, unknown> | undefined),
      }));
      return { Message: new Flattened(Message) };
    },
    ListQueues: async (input, ctx) => {
      const out = (await operations['ListQueues']!(input, ctx)) as {
        QueueUrls?: string[];
        NextToken?: string;
      };
      return { QueueUrl: new Flattened(out.QueueUrls ?? []), NextToken: out.NextToken };
    },
    GetQueueUrl: (input, ctx) => operations['GetQueueUrl']!(input, ctx),
    GetQueueAttributes: async (input, ctx) => {
      const json = { ...input, AttributeNames: flatList(input['AttributeName']) };
      const out = (await operations['GetQueueAttributes']!(json, ctx)) as {
        Attributes: Record<string, string>;
      };
      return { Attribute: nameValues(out.Attributes) };
    },
  };

  function onAvailable(listener: (q: SqsQueue) => void): () => void {
    availableListeners.add(listener);
    return () => availableListeners.delete(listener);
  }

  return {
    name: 'sqs',
    protocol: 'json1.0',
    targetPrefix: 'AmazonSQS',
    internalErrorCode: 'InternalError',
    throttlingErrorCode: 'RequestThrottled',
    operations,
    query: {
      name: 'sqs',
      protocol: 'query',
      xmlNamespace: SQS_XML_NAMESPACE,
      internalErrorCode: 'InternalError',
      throttlingErrorCode: 'RequestThrottled',
      operations: queryOperations,
    },
    createQueue,
    queue: find,
    queues: () => [...byName.values()],
    messages: (ref) => [...mustFind(ref).all],
    pending: (ref) => live(mustFind(ref)),
    bodies: (ref) =>
      mustFind(ref).all.map((m) => {
        try {
          return JSON.parse(m.Body) as unknown;
        } catch {
          return m.Body;
        }
      }),
    send,
    receive,
    deleteByReceipt,
    changeVisibility,
    onAvailable,
    onRedrive: (l) => {
      redriveListeners.add(l);
      return () => redriveListeners.delete(l);
    },
    onDelete: (l) => {
      deleteListeners.add(l);
      return () => deleteListeners.delete(l);
    },
  };
}
