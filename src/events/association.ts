/**
 * State Manager association events (AWS-FACTS §1.5, §1.6; the SSM User Guide's
 * monitoring-systems-manager-event-examples). Two shapes name a failed association on an instance:
 * `EC2 State Manager Instance Association State Change` with status Failed names the association;
 * `Configuration Compliance State Change` with compliance-type Association names only the instance
 * (the remediation finds its failed associations through SSM, DescribeInstanceAssociationsStatus).
 */
import * as z from '../model/zod.ts';
import { ID_PATTERNS } from '../model/ids.ts';
import { instanceIdField } from './envelope.ts';

export const INSTANCE_ASSOCIATION_STATE_CHANGE = 'EC2 State Manager Instance Association State Change';
export const COMPLIANCE_STATE_CHANGE = 'Configuration Compliance State Change';

const associationIdField = z
  .string()
  .check(z.regex(ID_PATTERNS.associationId, 'must be an association id (a UUID)'));
/** AWS writes these as ISO-8601 strings, sometimes empty when the association never ran. */
const eventDate = z.optional(z.union([z.iso.datetime({ offset: true }), z.literal('')]));

/** Detail of `EC2 State Manager Instance Association State Change` (kebab-case keys). */
export const instanceAssociationStateChange = z.object({
  'association-id': associationIdField,
  'instance-id': instanceIdField,
  'document-name': z.string().check(z.regex(/^[a-zA-Z0-9_\-.:/]{3,128}$/, 'must be an SSM document name')),
  'document-version': z.optional(z.string()),
  /** AssociationStatusName (SSM-MODEL): Pending | Success | Failed. */
  status: z.enum(['Pending', 'Success', 'Failed']),
  'detailed-status': z.optional(z.string()),
  'error-code': z.optional(z.string()),
  'execution-summary': z.optional(z.string()),
  'last-execution-date': eventDate,
  'last-successful-execution-date': eventDate,
  'creation-date': eventDate,
  /** A JSON-encoded string, not an array (AWS-FACTS §1.6). */
  targets: z.optional(z.string()),
});

/** Detail of `Configuration Compliance State Change`, compliance-type Association (lowercase values). */
export const associationComplianceChange = z.object({
  'resource-type': z.string().check(z.minLength(1)),
  'resource-id': instanceIdField,
  'compliance-status': z.enum(['compliant', 'non_compliant']),
  'compliance-type': z.literal('Association'),
  /** When the association last ran on the instance (Association only). */
  'last-runtime': z.optional(z.iso.datetime({ offset: true })),
});

export type InstanceAssociationStateChange = z.infer<typeof instanceAssociationStateChange>;
