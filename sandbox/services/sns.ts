/**
 * Simulated SNS (Query protocol `Action=Publish&Version=2010-03-31`): topics, every message published,
 * and SQS subscriptions (deployed from AWS::SNS::Subscription): a published message is delivered to
 * each subscribed queue at once, raw (RawMessageDelivery: body = Message, attributes kept) or in the
 * SNS JSON envelope. Filter policies are not simulated.
 */
import { randomUUID } from 'node:crypto';
import { AwsError } from '../errors.ts';
import { createClock, type SimClock } from '../clock.ts';
import type { CallContext, Operation, ServiceDef } from '../types.ts';
import type { SqsService } from './sqs.ts';
import { isRecord, optionalRecord, optionalString, requiredString } from './input.ts';

export const SNS_XML_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';
export const SNS_MAX_MESSAGE_BYTES = 256 * 1024;

export interface SnsAttributeValue {
  DataType: string;
  StringValue?: string;
  /** Base64, as on the wire. */
  BinaryValue?: string;
}

export interface SnsMessage {
  MessageId: string;
  TopicArn: string;
  Message: string;
  Subject?: string;
  MessageStructure?: string;
  MessageAttributes: Record<string, SnsAttributeValue>;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
  publishedAt: Date;
}

export interface SnsService extends ServiceDef {
  /** Every message published (to one topic if given), oldest first. */
  messages(topicArn?: string): SnsMessage[];
  /** Create a topic in the service's account/region; returns its ARN (idempotent). */
  createTopic(name: string): string;
  topics(): string[];
  clearMessages(): void;
  /** Subscribe an SQS queue (by ARN) to a topic; needs the `sqs` option. Returns the subscription ARN. */
  subscribeQueue(topicArn: string, queueArn: string, opts?: { raw?: boolean }): string;
  subscriptions(): SnsSubscription[];
}

export interface SnsSubscription {
  arn: string;
  topicArn: string;
  protocol: 'sqs';
  endpoint: string;
  raw: boolean;
}

export interface SnsOptions {
  account?: string;
  region?: string;
  clock?: SimClock;
  /** Topic names to create up front. */
  topics?: string[];
  /** Where `sqs` subscriptions deliver. */
  sqs?: SqsService;
}

const invalidParameter = (what: string): AwsError =>
  new AwsError('InvalidParameter', `Invalid parameter: ${what}`, 400);

function topicArn(region: string, account: string, name: string): string {
  return `arn:aws:sns:${region}:${account}:${name}`;
}

function validateTopicName(name: string): void {
  if (!/^[A-Za-z0-9_-]{1,256}$/.test(name.replace(/\.fifo$/, ''))) {
    throw invalidParameter('Topic Name');
  }
}

function readAttributes(input: Record<string, unknown>): Record<string, SnsAttributeValue> {
  const raw = optionalRecord(input, 'MessageAttributes') ?? {};
  const out: Record<string, SnsAttributeValue> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!isRecord(value) || typeof value['DataType'] !== 'string' || value['DataType'] === '') {
      throw new AwsError(
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain a DataType.`,
        400,
      );
    }
    const attr: SnsAttributeValue = { DataType: value['DataType'] };
    if (typeof value['StringValue'] === 'string') attr.StringValue = value['StringValue'];
    if (typeof value['BinaryValue'] === 'string') attr.BinaryValue = value['BinaryValue'];
    if (value['BinaryValue'] instanceof Uint8Array)
      attr.BinaryValue = Buffer.from(value['BinaryValue']).toString('base64');
    if (attr.StringValue === undefined && attr.BinaryValue === undefined) {
      throw new AwsError(
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${attr.DataType}'.`,
        400,
      );
    }
    out[name] = attr;
  }
  return out;
}

function messageBytes(message: string, attributes: Record<string, SnsAttributeValue>): number {
  let size = Buffer.byteLength(message);
  for (const [name, a] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
    size += Buffer.byteLength(a.StringValue ?? '') + Buffer.from(a.BinaryValue ?? '', 'base64').length;
  }
  return size;
}

function validateSubject(subject: string | undefined): void {
  if (subject === undefined) return;
  if (subject.length === 0 || subject.length > 100 || !/^[\x20-\x7e]+$/.test(subject)) {
    throw invalidParameter('Subject');
  }
}

function validateStructure(structure: string | undefined, message: string): void {
  if (structure === undefined) return;
  if (structure !== 'json') throw invalidParameter('MessageStructure');
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalidParameter('Message Structure - JSON message body failed to parse');
  }
  if (!isRecord(parsed) || typeof parsed['default'] !== 'string') {
    throw invalidParameter('Message Structure - No default entry in JSON message body');
  }
}

export function createSnsService(opts: SnsOptions = {}): SnsService {
  const account = opts.account ?? '123456789012';
  const region = opts.region ?? 'us-east-1';
  const clock = opts.clock ?? createClock();
  const topics = new Set<string>();
  const published: SnsMessage[] = [];
  const subs: SnsSubscription[] = [];

  const deliver = (record: SnsMessage): void => {
    for (const sub of subs) {
      if (sub.topicArn !== record.TopicArn) continue;
      const body = sub.raw
        ? record.Message
        : JSON.stringify({
            Type: 'Notification',
            MessageId: record.MessageId,
            TopicArn: record.TopicArn,
            ...(record.Subject !== undefined ? { Subject: record.Subject } : {}),
            Message: record.Message,
            Timestamp: record.publishedAt.toISOString(),
            MessageAttributes: Object.fromEntries(
              Object.entries(record.MessageAttributes).map(([k, a]) => [
                k,
                { Type: a.DataType, Value: a.StringValue ?? a.BinaryValue },
              ]),
            ),
          });
      opts.sqs!.send(sub.endpoint, body, sub.raw ? { attributes: record.MessageAttributes } : {});
    }
  };

  const addTopic = (arn: string): string => {
    topics.add(arn);
    return arn;
  };

  const createTopic: Operation = (input, ctx: CallContext) => {
    const name = requiredString(input, 'Name');
    validateTopicName(name);
    return { TopicArn: addTopic(topicArn(ctx.region, ctx.account, name)) };
  };

  const publish: Operation = (input) => {
    const arn = optionalString(input, 'TopicArn') ?? optionalString(input, 'TargetArn');
    if (arn === undefined) {
      if (optionalString(input, 'PhoneNumber') !== undefined)
        throw invalidParameter('PhoneNumber is not supported by the sandbox');
      throw invalidParameter('TopicArn or TargetArn Reason: no value for required parameter');
    }
    const message = optionalString(input, 'Message');
    if (message === undefined || message === '') throw invalidParameter('Empty message');
    const subject = optionalString(input, 'Subject');
    const structure = optionalString(input, 'MessageStructure');
    const attributes = readAttributes(input);
    validateSubject(subject);
    validateStructure(structure, message);
    if (messageBytes(message, attributes) > SNS_MAX_MESSAGE_BYTES) throw invalidParameter('Message too long');
    if (!topics.has(arn)) throw new AwsError('NotFound', 'Topic does not exist', 404);
    const groupId = optionalString(input, 'MessageGroupId');
    if (arn.endsWith('.fifo') && groupId === undefined) {
      throw invalidParameter('The MessageGroupId parameter is required for FIFO topics');
    }
    const record: SnsMessage = {
      MessageId: randomUUID(),
      TopicArn: arn,
      Message: message,
      MessageAttributes: attributes,
      publishedAt: clock.now(),
    };
    if (subject !== undefined) record.Subject = subject;
    if (structure !== undefined) record.MessageStructure = structure;
    if (groupId !== undefined) record.MessageGroupId = groupId;
    const dedupeId = optionalString(input, 'MessageDeduplicationId');
    if (dedupeId !== undefined) record.MessageDeduplicationId = dedupeId;
    published.push(record);
    deliver(record);
    return arn.endsWith('.fifo')
      ? { MessageId: record.MessageId, SequenceNumber: String(published.length).padStart(20, '0') }
      : { MessageId: record.MessageId };
  };

  const deleteTopic: Operation = (input) => {
    topics.delete(requiredString(input, 'TopicArn'));
    return {};
  };

  const listTopics: Operation = () => ({ Topics: [...topics].sort().map((TopicArn) => ({ TopicArn })) });

  for (const name of opts.topics ?? []) addTopic(topicArn(region, account, name));

  return {
    name: 'sns',
    protocol: 'query',
    // Newer SDKs may switch SNS to awsJson; the server accepts that form under this target prefix too.
    targetPrefix: 'AmazonSimpleNotificationService',
    xmlNamespace: SNS_XML_NAMESPACE,
    internalErrorCode: 'InternalError',
    throttlingErrorCode: 'Throttling',
    operations: {
      CreateTopic: createTopic,
      Publish: publish,
      DeleteTopic: deleteTopic,
      ListTopics: listTopics,
    },
    messages: (arn) => published.filter((m) => arn === undefined || m.TopicArn === arn),
    createTopic: (name) => {
      validateTopicName(name);
      return addTopic(topicArn(region, account, name));
    },
    topics: () => [...topics].sort(),
    clearMessages: () => {
      published.length = 0;
    },
    subscribeQueue: (topic, queueArn, o = {}) => {
      if (!topics.has(topic)) throw new AwsError('NotFound', 'Topic does not exist', 404);
      if (!opts.sqs?.queue(queueArn)) throw invalidParameter(`Endpoint: no queue ${queueArn}`);
      const arn = `${topic}:${randomUUID()}`;
      subs.push({ arn, topicArn: topic, protocol: 'sqs', endpoint: queueArn, raw: o.raw === true });
      return arn;
    },
    subscriptions: () => subs.map((x) => ({ ...x })),
  };
}
