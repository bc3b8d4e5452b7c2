/**
 * A State Manager association failed on an instance: re-apply it once, now (StartAssociationsOnce, in
 * our own Automation document, so the run is tracked, gated and completed like every other). Both
 * event shapes end here: the instance association state change names the association; the compliance
 * change names only the instance, so the instance's failed associations come from SSM
 * (DescribeInstanceAssociationsStatus, read by the engine). If the association fails again after the
 * re-apply within the cooldown window, the `reapplied` gate escalates it (announced once, not retried).
 */
import { requireId } from '../model/ids.ts';
import { defineRemediation, startAutomation } from '../core/remediation.ts';
import type { StartAutomationAction } from '../model/types.ts';
import {
  EXAMPLE_ASSOCIATION,
  associationComplianceEvent,
  associationStateEvent,
} from './_association-examples.ts';

const DOCUMENT = 'SsmRemediator-ReapplyAssociations';
const A = 'i-0123456789abcdef0';
const OTHER = '6e37940a-23ba-4ab0-9b96-5d0a1a05464f';

const reapply = (instanceId: string, ids: string[], role?: string): StartAutomationAction =>
  startAutomation(DOCUMENT, {
    InstanceId: [instanceId],
    AssociationIds: ids,
    ...(role ? { AutomationAssumeRole: [role] } : {}),
  });

export default defineRemediation({
  id: 'association-reapply',
  title: 'Re-apply a failed State Manager association once (StartAssociationsOnce)',
  description:
    'A State Manager association failed on an instance (status Failed, or association compliance ' +
    'non_compliant). SsmRemediator-ReapplyAssociations runs the failed associations once now; if one fails ' +
    'again after that within the cooldown window, it is escalated rather than retried.',
  trigger: 'association.failed',
  applies: () => true,
  defaultMode: 'shadow',
  documents: [
    {
      name: DOCUMENT,
      type: 'Automation',
      file: `documents/${DOCUMENT}.yaml`,
      // Its one step: ssm:StartAssociationsOnce, on the association resource type.
      assumeRole: [
        {
          action: 'ssm:StartAssociationsOnce',
          resources: ['arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:association/*'],
        },
      ],
    },
  ],
  // The plan reads the instance's associations from SSM (the compliance event names none).
  needs: ['associations'],
  permissions: [
    'ssm:StartAutomationExecution',
    // The engine reads the instance's associations (the compliance event names none).
    {
      action: 'ssm:DescribeInstanceAssociationsStatus',
      resources: [
        'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*',
        'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:managed-instance/*',
      ],
    },
  ],
  plan(f, facts, ctx) {
    const id = requireId('managedInstanceId', f.resourceId, 'detail.instance-id');
    const reported = new Map((facts.associations ?? []).map((a) => [a.associationId, a.status]));
    const ids = (facts.associations ?? []).filter((a) => a.status === 'Failed').map((a) => a.associationId);
    const named = f.detail.source === 'association-state' ? f.detail.associationId : undefined;
    if (named !== undefined) {
      const aid = requireId('associationId', named, 'detail.association-id');
      const now = reported.get(aid);
      // The event's association, unless SSM says it has run since and no longer fails.
      if ((now === undefined || now === 'Failed') && !ids.includes(aid)) ids.unshift(aid);
    }
    if (ids.length === 0) {
      return [
        {
          kind: 'skip',
          code: 'already-compliant',
          reason: `SSM reports no failed State Manager association on ${id} now`,
        },
      ];
    }
    // StartAssociationsOnce takes at most 10 ids; more failed associations wait for the next finding.
    return [reapply(id, ids.slice(0, 10), ctx.assumeRoleArn)];
  },
  examples: [
    {
      name: 'association Failed on an instance → re-applied once',
      event: associationStateEvent(A),
      expect: { outcome: 'started', actions: [reapply(A, [EXAMPLE_ASSOCIATION])] },
    },
    {
      name: 'association compliance non_compliant → the instance’s failed associations (from SSM) re-applied',
      event: associationComplianceEvent(A),
      facts: {
        associations: [
          { associationId: EXAMPLE_ASSOCIATION, status: 'Failed' },
          { associationId: OTHER, status: 'Success' },
        ],
      },
      expect: { outcome: 'started', actions: [reapply(A, [EXAMPLE_ASSOCIATION])] },
    },
    {
      name: 'SSM reports the association succeeded since → skipped (already-compliant)',
      event: associationStateEvent(A),
      facts: { associations: [{ associationId: EXAMPLE_ASSOCIATION, status: 'Success' }] },
      expect: { outcome: 'skipped' },
    },
    {
      name: 'calendar closed → deferred until it opens',
      event: associationStateEvent(A),
      facts: { calendar: 'CLOSED', nextTransitionTime: '2025-03-08T22:00:00Z' },
      expect: { outcome: 'deferred', actions: [] },
    },
    {
      name: 'an association id of the wrong shape is rejected, never passed on',
      event: associationStateEvent(A, 'not-an-association'),
      expect: { outcome: 'rejected' },
    },
  ],
});
