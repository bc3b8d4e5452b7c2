import * as z from 'zod';
import { instanceIdField } from './envelope.ts';

/** `EC2 Command Invocation Status-change Notification` (kebab-case keys; AWS-FACTS §1.2). */
export const commandInvocationStatusChange = z.object({
  'command-id': z.string().uuid(),
  'document-name': z.string().regex(/^[a-zA-Z0-9_\-.:/]{3,128}$/),
  'instance-id': instanceIdField,
  'requested-date-time': z.string().min(1),
  status: z.enum([
    'Pending',
    'InProgress',
    'Delayed',
    'Success',
    'Cancelled',
    'TimedOut',
    'Failed',
    'Cancelling',
  ]),
});

/** `Configuration Compliance State Change` (lowercase values; AWS-FACTS §1.5). */
export const complianceStateChange = z.object({
  'resource-type': z.string().min(1),
  'resource-id': instanceIdField,
  'compliance-status': z.enum(['compliant', 'non_compliant']),
  'compliance-type': z.string().min(1),
  'patch-baseline-id': z.string().optional(),
  severity: z.string().optional(),
});
