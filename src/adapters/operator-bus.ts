/** Puts one of the operator's events on the service's bus (RemediatorBus): PutEvents, one entry. */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

export async function putOperatorEvent(
  events: EventBridgeClient,
  busName: string,
  source: string,
  detailType: string,
  detail: Record<string, unknown>,
): Promise<string> {
  const out = await events.send(
    new PutEventsCommand({
      Entries: [
        { EventBusName: busName, Source: source, DetailType: detailType, Detail: JSON.stringify(detail) },
      ],
    }),
  );
  const entry = out.Entries?.[0];
  if (!entry?.EventId || out.FailedEntryCount)
    throw new Error(`PutEvents refused the event: ${entry?.ErrorCode ?? '?'}: ${entry?.ErrorMessage ?? ''}`);
  return entry.EventId;
}

export { EventBridgeClient };
