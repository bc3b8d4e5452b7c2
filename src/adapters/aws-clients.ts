/**
 * SDK clients, created once per Lambda container. The endpoint comes from the SDK's own
 * configuration (AWS_ENDPOINT_URL for the sandbox), never from code. Our own backoff (retry.ts)
 * wraps the calls that act, so the SDK makes a single attempt there.
 */
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';

export interface AwsClients {
  ssm: SSMClient;
  /** For calls wrapped in withBackoff: one attempt each. */
  ssmActing: SSMClient;
  sns: SNSClient;
  sqs: SQSClient;
  tagging: ResourceGroupsTaggingAPIClient;
  config: ConfigServiceClient;
  dynamodb: DynamoDBClient;
  events: EventBridgeClient;
}

export function createClients(region = process.env.AWS_REGION): AwsClients {
  const base = { region };
  return {
    ssm: new SSMClient(base),
    ssmActing: new SSMClient({ ...base, maxAttempts: 1 }),
    sns: new SNSClient(base),
    sqs: new SQSClient(base),
    tagging: new ResourceGroupsTaggingAPIClient(base),
    config: new ConfigServiceClient(base),
    dynamodb: new DynamoDBClient(base),
    events: new EventBridgeClient(base),
  };
}
