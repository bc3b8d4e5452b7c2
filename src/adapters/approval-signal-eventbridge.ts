/** `Approval Decided` on the service's bus, so the reconcile function acts at once (docs/approvals.md). */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { APPROVAL_DECIDED, SERVICE_EVENT_SOURCE } from '../events/approval.ts';

export function approvalSignal(events: EventBridgeClient, eventBusName: string) {
  return async (approvalId: string): Promise<void> => {
    const out = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: eventBusName,
            Source: SERVICE_EVENT_SOURCE,
            DetailType: APPROVAL_DECIDED,
            Detail: JSON.stringify({ approvalId }),
          },
        ],
      }),
    );
    const failed = out.Entries?.[0];
    if (out.FailedEntryCount || failed?.ErrorCode)
      throw new Error(
        `PutEvents refused it: ${failed?.ErrorCode ?? 'unknown'} ${failed?.ErrorMessage ?? ''}`,
      );
  };
}
