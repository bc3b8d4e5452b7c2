/**
 * The Lambda bundles' stand-in for `@smithy/core/event-streams` (aliased in scripts/build.ts). The
 * SDK's HTTP protocol imports it on demand, only for an operation with an event-stream member; none
 * of the operations the functions call has one (SSM, SNS, SQS, DynamoDB, Config, Tagging,
 * EventBridge request/response APIs), yet esbuild inlines the dynamic import: ~14 KiB per bundle.
 * Should a function ever call such an operation, it fails loudly here instead of streaming.
 */
const unsupported = (): never => {
  throw new Error('event streams are not bundled in the Lambda functions (src/adapters/no-event-streams.ts)');
};

export const eventStreamSerdeProvider = unsupported;

export class EventStreamSerde {
  constructor() {
    unsupported();
  }
}
