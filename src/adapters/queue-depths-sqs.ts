/** Messages waiting in the service's queues (GetQueueUrl, GetQueueAttributes), for `remediator status`. */
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { errorName } from '../model/errors.ts';

export interface QueueDepth {
  name: string;
  /** Undefined when the queue does not exist. */
  visible?: number;
  inFlight?: number;
}

export async function queueDepths(sqs: SQSClient, names: readonly string[]): Promise<QueueDepth[]> {
  const out: QueueDepth[] = [];
  for (const name of names) {
    let url: string | undefined;
    try {
      url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
    } catch (e) {
      if (!/NonExistentQueue|QueueDoesNotExist/.test(errorName(e))) throw e;
    }
    if (!url) {
      out.push({ name });
      continue;
    }
    const a =
      (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        )
      ).Attributes ?? {};
    out.push({
      name,
      visible: Number(a.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    });
  }
  return out;
}

export { SQSClient };
