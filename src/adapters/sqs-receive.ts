import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * Reads up to `max` messages from a queue a sweep drains (10 a call, until the queue answers none),
 * each hidden for as long as a sweep may take (its timeout), so one sweep never reads a message twice.
 */
export async function receiveUpTo(
  sqs: SQSClient,
  queueUrl: string,
  max: number,
): Promise<Array<{ handle: string; body: string | undefined }>> {
  const out: Array<{ handle: string; body: string | undefined }> = [];
  while (out.length < max) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - out.length),
        VisibilityTimeout: 300,
      }),
    );
    const got = r.Messages ?? [];
    for (const m of got) if (m.ReceiptHandle) out.push({ handle: m.ReceiptHandle, body: m.Body });
    if (got.length === 0) break;
  }
  return out;
}
