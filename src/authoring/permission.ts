/** `remediator check` on one declared permission of a remediation (src/core/permissions.ts). */
import { DOCUMENT_ACTIONS, FORBIDDEN_ACTIONS, IAM_ACTION, UNSCOPED_ACTIONS } from '../core/permissions.ts';

const q = (v: unknown) => JSON.stringify(v ?? null);

/** A resource ARN, literal or with the Fn::Sub partition. */
const ARN = /^arn:(aws[a-z-]*|\$\{AWS::Partition\}):[a-z0-9-]+:/;
const UNSCOPED_WHERE = 'src/core/permissions.ts UNSCOPED_ACTIONS, from the Service Authorization Reference';

/**
 * One declared permission: one IAM action, no wildcard, never iam:PassRole; an action other than the
 * document actions names resource ARNs unless it supports no resource type (UNSCOPED_ACTIONS).
 */
export function checkPermission(
  p: unknown,
  field: string,
  bad: (field: string, message: string) => void,
): void {
  const scoped = typeof p === 'object' && p !== null;
  const action = scoped ? (p as { action?: unknown }).action : p;
  const actionField = scoped ? `${field}.action` : field;
  if (typeof action !== 'string' || !IAM_ACTION.test(action)) {
    bad(actionField, `${q(action)} must be one IAM action like ssm:SendCommand, with no wildcard`);
    return;
  }
  const forbidden = FORBIDDEN_ACTIONS[action];
  if (forbidden !== undefined) {
    bad(actionField, `${q(action)} may not be declared: it ${forbidden}`);
    return;
  }
  const fromDocuments = (DOCUMENT_ACTIONS as readonly string[]).includes(action);
  const unscoped = UNSCOPED_ACTIONS.includes(action);
  if (!scoped) {
    if (!fromDocuments && !unscoped) {
      bad(
        field,
        `${q(action)} names no resources: declare { action: ${q(action)}, resources: ['arn:…'] } ` +
          `(only actions with no resource type may go without, see ${UNSCOPED_WHERE})`,
      );
    }
    return;
  }
  if (fromDocuments) {
    bad(
      field,
      `${q(action)} is granted on the remediation's documents: declare it as the plain string ${q(action)}`,
    );
    return;
  }
  const list = (p as { resources?: unknown }).resources;
  if (!Array.isArray(list) || list.length === 0) {
    bad(`${field}.resources`, `must name at least one resource ARN`);
    return;
  }
  list.forEach((arn, j) => {
    if (arn === '*') {
      if (!unscoped) {
        bad(
          `${field}.resources[${j}]`,
          `"*" is allowed only for actions that support no resource type (${UNSCOPED_WHERE}); name the ARNs ${q(action)} needs`,
        );
      }
    } else if (typeof arn !== 'string' || !ARN.test(arn)) {
      bad(`${field}.resources[${j}]`, `${q(arn)} is not a resource ARN (arn:\${AWS::Partition}:service:…)`);
    }
  });
}
