/**
 * The notification outbox (docs/guards.md "Held work"): an SQS queue where a results-topic message
 * waits when Publish failed, until the reconcile sweep publishes it (src/core/outbox.ts).
 */
import { DeleteMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { OutboxPort } from '../ports/outbox.ts';
import type { HeldPublish, OutboxHold } from './notifier-sns.ts';
import { receiveUpTo } from './sqs-receive.ts';

export function sqsOutboxHold(sqs: SQSClient, queueUrl: string): OutboxHold {
  return {
    async hold(p) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(p) }));
    },
  };
}

/** The sweep's side: read held notifications, publish them, delete them once published. */
export function sqsOutbox(sqs: SQSClient, queueUrl: string, sns: SNSClient, topicArn: string): OutboxPort {
  return {
    async receive(max) {
      return (await receiveUpTo(sqs, queueUrl, max)).map(({ handle, body }) => ({
        handle,
        body: body ?? '',
      }));
    },
    async publish(body) {
      const held = JSON.parse(body) as HeldPublish;
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: held.Message,
          ...(held.Subject ? { Subject: held.Subject } : {}),
          ...(held.MessageAttributes ? { MessageAttributes: held.MessageAttributes } : {}),
        }),
      );
    },
    async remove(handle) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: handle }));
    },
  };
}
