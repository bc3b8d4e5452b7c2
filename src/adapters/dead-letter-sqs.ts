import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterPort } from '../ports/index.ts';

/** Rejected events go to the dead-letter queue whole, with the reason and field as attributes. */
export function sqsDeadLetter(sqs: SQSClient, queueUrl: string): DeadLetterPort {
  return {
    async send(event, reason, field) {
      const body = JSON.stringify({ reason, field: field ?? null, event });
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody:
            body.length > 250_000
              ? JSON.stringify({ reason, field, truncated: body.slice(0, 250_000) })
              : body,
          MessageAttributes: {
            reason: { DataType: 'String', StringValue: reason.slice(0, 1000) },
            ...(field ? { field: { DataType: 'String', StringValue: field } } : {}),
          },
        }),
      );
    },
  };
}
