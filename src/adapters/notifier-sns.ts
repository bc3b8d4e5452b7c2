import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notification, NotifierPort } from '../ports/index.ts';

/** The structured message subscribers receive (SNS_MESSAGE in the README). */
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
    nextTransitionTime: o.nextTransitionTime ?? null,
    mode: o.mode ?? null,
    eventId: o.eventId,
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

/** Publishes every notification to the results topic, with attributes for subscription filters. */
export function snsNotifier(sns: SNSClient, topicArn: string): NotifierPort {
  return {
    async notify(n) {
      const o = n.outcome;
      const attr = (v: string | undefined) => ({ DataType: 'String', StringValue: v || 'none' });
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: `[ssm-remediator] ${o.outcome}: ${n.title}`.slice(0, 99),
          Message: JSON.stringify(snsMessage(n)),
          MessageAttributes: {
            outcome: attr(o.outcome),
            remediation: attr(o.remediation),
            resourceType: attr(o.resourceType),
            code: attr(o.code),
            family: attr(o.family),
          },
        }),
      );
    },
  };
}
