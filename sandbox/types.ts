import type { AwsError } from './errors.ts';

/** An EventBridge event as AWS puts it on the default bus. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
  [extra: string]: unknown;
}

/** Where simulated services send the events AWS would emit (Automation status changes, ...). */
export interface EventSink {
  emit(event: BusEvent): void;
}

export interface CallContext {
  service: string;
  operation: string;
  account: string;
  region: string;
  /** Set by the sandbox server: the request id it reports back to the caller. */
  requestId?: string;
  /** Set by the sandbox server: the access key id of the caller's SigV4 signature (sandbox/identities.ts). */
  accessKeyId?: string;
  /** Set by the sandbox server: per-item faults, e.g. some PutEvents entries failing. */
  faults?: ItemFaults;
}

/** Lets an operation ask whether one item of a batch should fail (deterministic, seeded). */
export interface ItemFaults {
  itemFails(service: string, operation: string): boolean;
}

/** One API operation: decoded input in, plain output out; throw AwsError for AWS's errors. */
export type Operation = (input: Record<string, unknown>, ctx: CallContext) => unknown | Promise<unknown>;

export type Protocol = 'json1.1' | 'json1.0' | 'query';

/** A simulated AWS service as the HTTP server mounts it. */
export interface ServiceDef {
  /** Short name used in counters, fault rules and rate limits: 'ssm', 'sns', 'events', 'tagging', 'config'. */
  name: string;
  protocol: Protocol;
  /** X-Amz-Target prefix for JSON protocols, e.g. 'AmazonSSM'. */
  targetPrefix?: string;
  operations: Record<string, Operation>;
  /** Query protocol only: the XML namespace of responses, e.g. 'http://sns.amazonaws.com/doc/2010-03-31/'. */
  xmlNamespace?: string;
  /** SigV4 signing name when it differs from `name` (credential scope `.../<region>/<signingName>/aws4_request`). */
  signingName?: string;
  /** Error code for unexpected exceptions (default 'InternalFailure'; SSM uses 'InternalServerError'). */
  internalErrorCode?: string;
  /** Error code for rate limiting (default 'ThrottlingException'). */
  throttlingErrorCode?: string;
}

export type { AwsError };
