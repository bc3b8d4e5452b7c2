/**
 * SDK clients, one factory per client so each function bundles only the clients it creates. The
 * endpoint comes from the SDK's own configuration (AWS_ENDPOINT_URL for the sandbox), never from
 * code. Retries are the SDK's own (standard mode), configured here once for every client: at most
 * MAX_ATTEMPTS HTTP attempts per call for throttling and transient errors, full-jitter exponential
 * backoff. Only SendCommand, which is not safe to repeat on a 5xx, uses the one-attempt client and
 * the throttle-only wrapper in retry.ts instead.
 */
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { MAX_ATTEMPTS, backoffMs } from './retry.ts';

/** The configuration every client shares; a new retry strategy (and its retry quota) per client. */
export const clientConfig = (attempts = MAX_ATTEMPTS) => ({
  region: process.env.AWS_REGION,
  retryStrategy: new ConfiguredRetryStrategy(attempts, backoffMs),
});

export const ssmClient = () => new SSMClient(clientConfig());
/** One attempt per call: for SendCommand, whose throttling retries are withThrottleRetry's. */
export const ssmSingleAttemptClient = () => new SSMClient(clientConfig(1));
export const snsClient = () => new SNSClient(clientConfig());
export const sqsClient = () => new SQSClient(clientConfig());
export const taggingClient = () => new ResourceGroupsTaggingAPIClient(clientConfig());
export const configServiceClient = () => new ConfigServiceClient(clientConfig());
export const dynamoDbClient = () => new DynamoDBClient(clientConfig());
export const eventBridgeClient = () => new EventBridgeClient(clientConfig());
