import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { FailedInvocation, FailedInvocationsPort } from '../ports/index.ts';

/** The on-failure queue over SQS; a message whose body is not JSON comes back as its text. */
export function sqsFailedInvocations(sqs: SQSClient, queueUrl: string): FailedInvocationsPort {
  return {
    async receive(max) {
      const out: FailedInvocation[] = [];
      while (out.length < max) {
        const r = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, max - out.length),
            // Hidden for as long as a sweep may take (its timeout), so one sweep never reads a message twice.
            VisibilityTimeout: 300,
          }),
        );
        const got = r.Messages ?? [];
        for (const m of got) {
          if (!m.ReceiptHandle) continue;
          let record: unknown = m.Body;
          try {
            record = JSON.parse(m.Body ?? '');
          } catch {
            // kept as text: not a destination record, left alone by the redrive
          }
          out.push({ handle: m.ReceiptHandle, record });
        }
        if (got.length === 0) break;
      }
      return out;
    },
    async remove(handle) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: handle }));
    },
  };
}
