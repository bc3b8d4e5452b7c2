import * as z from '../model/zod.ts';
import { commandInvocationStatus } from '../model/finding.ts';
import { instanceIdField } from './envelope.ts';

/** `EC2 Command Invocation Status-change Notification` (kebab-case keys; AWS-FACTS §1.2). */
export const commandInvocationStatusChange = z.object({
  'command-id': z.uuid(),
  'document-name': z.string().check(z.regex(/^[a-zA-Z0-9_\-.:/]{3,128}$/)),
  'instance-id': instanceIdField,
  'requested-date-time': z.string().check(z.minLength(1)),
  status: commandInvocationStatus,
});

/** `Configuration Compliance State Change` (lowercase values; AWS-FACTS §1.5). */
export const complianceStateChange = z.object({
  'resource-type': z.string().check(z.minLength(1)),
  'resource-id': instanceIdField,
  'compliance-status': z.enum(['compliant', 'non_compliant']),
  'compliance-type': z.string().check(z.minLength(1)),
  'patch-baseline-id': z.optional(z.string()),
  severity: z.optional(z.string()),
});
