import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import { errorMessage } from '../model/errors.ts';
import type { Notification, NotifierPort } from '../ports/index.ts';

/** The structured message subscribers receive (SNS_MESSAGE in the README). */
/** The SSM calls of a plan, as an approver reads them (at most 10; parameter values cut at 200). */
function approvalPlan(actions: Notification['outcome']['actions']) {
  return actions
    .flatMap((a) =>
      a.kind === 'startAutomation' || a.kind === 'sendCommand'
        ? [
            {
              kind: a.kind,
              document: a.document,
              parameters: Object.fromEntries(
                Object.entries(a.parameters).map(([k, v]) => [k, v.join(', ').slice(0, 200)]),
              ),
              ...(a.kind === 'sendCommand' ? { instances: a.instanceIds.length } : {}),
            },
          ]
        : [],
    )
    .slice(0, 10);
}

export function snsMessage(n: Notification): Record<string, unknown> {
  const o = n.outcome;
  return {
    service: 'ssm-remediator',
    title: n.title,
    remediation: o.remediation ?? null,
    resource: { type: o.resourceType ?? null, id: o.resourceId ?? null },
    account: o.account ?? null,
    region: o.region ?? null,
    outcome: o.outcome,
    code: o.code ?? null,
    reason: o.reason,
    executionId: o.executionId ?? null,
    consoleUrl: n.consoleUrl ?? null,
    nextTransitionTime: (o.outcome === 'deferred' ? o.nextTransitionTime : undefined) ?? null,
    mode: o.mode ?? null,
    eventId: o.eventId,
    ...(o.requestedBy ? { requestedBy: o.requestedBy } : {}),
    ...(o.origin ? { origin: o.origin } : {}),
    ...(o.approvalId ? { approvalId: o.approvalId } : {}),
    ...(o.approvedBy ? { approvedBy: o.approvedBy } : {}),
    // An approval request carries its plan: the Slack message shows what the approver says yes to.
    ...(o.code === 'approval' ? { plan: approvalPlan(o.actions) } : {}),
    at: o.at,
    ...(n.outcomes
      ? {
          outcomes: n.outcomes.map((x) => ({
            resourceId: x.resourceId,
            outcome: x.outcome,
            code: x.code ?? null,
            reason: x.reason,
            executionId: x.executionId ?? null,
          })),
        }
      : {}),
  };
}

/** What Publish is given, less the topic: the form a notification waits in the outbox. */
export type HeldPublish = Pick<PublishCommandInput, 'Subject' | 'Message' | 'MessageAttributes'>;

/** Where a notification waits when Publish failed after the SDK's retries (src/adapters/notify-outbox-sqs.ts). */
export interface OutboxHold {
  hold(p: HeldPublish): Promise<void>;
}

export function publishInput(n: Notification): HeldPublish {
  const o = n.outcome;
  const attr = (v: string | undefined) => ({ DataType: 'String', StringValue: v || 'none' });
  return {
    Subject: `[ssm-remediator] ${o.outcome}: ${n.title}`.slice(0, 99),
    Message: JSON.stringify(snsMessage(n)),
    MessageAttributes: {
      outcome: attr(o.outcome),
      remediation: attr(o.remediation),
      resourceType: attr(o.resourceType),
      code: attr(o.code),
      family: attr(o.family),
    },
  };
}

/**
 * Publishes every notification to the results topic, with attributes for subscription filters. If
 * Publish fails (after the SDK's retries) and an outbox is given, the notification is held there and
 * the reconcile sweep publishes it later; only if the outbox fails too does notify() throw.
 */
export function snsNotifier(sns: SNSClient, topicArn: string, outbox?: OutboxHold): NotifierPort {
  return {
    async notify(n) {
      const input = publishInput(n);
      try {
        await sns.send(new PublishCommand({ TopicArn: topicArn, ...input }));
      } catch (e) {
        if (!outbox) throw e;
        try {
          await outbox.hold(input);
        } catch (held) {
          throw new Error(`${errorMessage(e)}; and the outbox failed too: ${errorMessage(held)}`);
        }
      }
    },
  };
}
