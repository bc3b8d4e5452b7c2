import { DeleteMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { receiveUpTo } from './sqs-receive.ts';
import type { FailedInvocation, FailedInvocationsPort } from '../ports/index.ts';

/** The on-failure queue over SQS; a message whose body is not JSON comes back as its text. */
export function sqsFailedInvocations(sqs: SQSClient, queueUrl: string): FailedInvocationsPort {
  return {
    async receive(max) {
      return (await receiveUpTo(sqs, queueUrl, max)).map(({ handle, body }): FailedInvocation => {
        let record: unknown = body;
        try {
          record = JSON.parse(body ?? '');
        } catch {
          // kept as text: not a destination record, left alone by the redrive
        }
        return { handle, record };
      });
    },
    async remove(handle) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: handle }));
    },
  };
}
